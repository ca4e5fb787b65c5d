import Foundation
import LoupeTensor

/// The deterministic weights of scripts/make-fixtures.py (`formula_fill`), so a network's
/// forward can be checked against torchvision without committing real weights.
public enum FormulaFill {
    public static func stateDictionary(like state: [String: Tensor]) -> [String: Tensor] {
        var filled: [String: Tensor] = [:]
        for (k, name) in state.keys.sorted().enumerated() {
            let shape = state[name]!.shape
            let count = shape.reduce(1, *)
            let key = Double(k)
            let values: [Float] = (0..<count).map { index in
                let i = Double(index)
                if name.hasSuffix("running_var") { return Float(1 + 0.25 * (1 + sin(0.37 * i + 0.11 * key))) }
                if name.hasSuffix("running_mean") { return Float(0.1 * sin(0.53 * i + 0.17 * key)) }
                if name.hasSuffix("num_batches_tracked") { return 0 }
                if shape.count == 1 && name.hasSuffix("weight") { return Float(1 + 0.1 * sin(0.29 * i + 0.07 * key)) }
                if shape.count <= 1 { return Float(0.05 * sin(0.41 * i + 0.13 * key)) }
                let fanIn = Double(shape.dropFirst().reduce(1, *))
                return Float(2 * sin(0.71 * i + 0.19 * key) / fanIn.squareRoot())
            }
            filled[name] = Tensor(shape: shape, scalars: values)
        }
        return filled
    }
}
