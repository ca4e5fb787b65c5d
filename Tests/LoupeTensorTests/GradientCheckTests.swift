import LoupeTensor
import LoupeTestSupport
import Testing

/// Every op's backward rule against central finite differences of its own forward, an
/// independent check of the gradient that needs no PyTorch.
///
/// The loss is L = Σ out·r for a fixed random r, summed in Double. For each input and
/// three random directions v in [−1, 1]ⁿ, the central difference D(h) = (L(x+hv) −
/// L(x−hv)) / 2h is taken at h = ε and ε/2 (ε = 1e-2 unless the case says otherwise) and combined by Richardson extrapolation,
/// (4·D(ε/2) − D(ε)) / 3, which cancels the ε² truncation term; Float32 rounding then
/// stays ~1e-5 relative, far below the 1e-3 tolerance. Inputs are moved off kinks and ties
/// first (`prepareForFiniteDifferences`) and |hv| ≤ ε keeps them there.
@Suite struct GradientCheckTests {
    static let tolerance: Double = 1e-3

    @Test(arguments: operationCases)
    func backwardMatchesFiniteDifferences(_ operation: OperationCase) {
        let prefix = operation.name + "/"
        var inputs: [String: Tensor] = [:]
        for name in operation.differentiable { inputs[name] = Fixtures.operations[prefix + name] }
        for (key, value) in Fixtures.operations where key.hasPrefix(prefix) {
            let field = String(key.dropFirst(prefix.count))
            if inputs[field] == nil && !["out", "gout", "targets"].contains(field) && !field.hasPrefix("grad_") && !field.hasPrefix("running_") {
                inputs[field] = value
            }
        }
        if let prepare = operation.prepareForFiniteDifferences { inputs = prepare(inputs) }
        var generator = SeededGenerator(seed: 2024)
        let probe = withoutGradients { operation.function(inputs) }
        let weights = Tensor.randomNormal(probe.shape, using: &generator)

        func loss(_ values: [String: Tensor]) -> Double {
            let output = withoutGradients { operation.function(values) }
            return zip(output.scalars, weights.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }

        var tracked = inputs
        for name in operation.differentiable { tracked[name] = inputs[name]!.requiringGradient() }
        operation.function(tracked).backward(gradient: weights)

        for name in operation.differentiable {
            guard let gradient = tracked[name]?.gradient else {
                Issue.record("\(operation.name): no gradient for \(name)")
                continue
            }
            for _ in 0..<3 {
                let direction = Tensor.randomUniform(inputs[name]!.shape, lower: -1, upper: 1, using: &generator)
                func centralDifference(_ step: Float) -> Double {
                    var plus = inputs, minus = inputs
                    plus[name] = inputs[name]! + direction * step
                    minus[name] = inputs[name]! - direction * step
                    return (loss(plus) - loss(minus)) / (2 * Double(step))
                }
                let step = operation.finiteDifferenceStep
                let numeric = (4 * centralDifference(step / 2) - centralDifference(step)) / 3
                let analytic = zip(gradient.scalars, direction.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let error = abs(numeric - analytic) / max(1, abs(analytic))
                #expect(error < Self.tolerance,
                        "\(operation.name) ∂/∂\(name): finite difference \(numeric) vs backward \(analytic)")
            }
        }
    }
}
