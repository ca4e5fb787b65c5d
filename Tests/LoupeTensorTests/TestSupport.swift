import Foundation
import LoupeTensor
import Testing

/// Fixtures written by `scripts/make-fixtures.py` (PyTorch), loaded once per file.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static let operations = load("operations.safetensors")
    static let optimizers = load("optimizers.safetensors")
    static let training = load("training.safetensors")

    static func load(_ name: String) -> [String: Tensor] {
        do {
            return try SafeTensors(contentsOf: path(name)).tensors
        } catch {
            Issue.record("cannot load fixture \(name): \(error)")
            return [:]
        }
    }
}

/// Asserts that `actual` matches `expected` elementwise: |a − e| ≤ tolerance·max(1, |e|).
func expectClose(_ actual: Tensor?, _ expected: Tensor?, tolerance: Float = 1e-4, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual, let expected else {
        Issue.record("\(what): missing tensor (actual \(actual == nil ? "nil" : "present"), expected \(expected == nil ? "nil" : "present"))",
                     sourceLocation: sourceLocation)
        return
    }
    guard actual.count == expected.count, actual.shape == expected.shape || actual.count == 1 else {
        Issue.record("\(what): shape \(actual.shape) differs from expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    let a = actual.scalars, e = expected.scalars
    var worst = 0, worstError: Float = 0
    for i in 0..<a.count {
        let error = abs(a[i] - e[i]) / max(1, abs(e[i]))
        if !(error <= worstError) { worstError = error; worst = i }
    }
    if !(worstError <= tolerance) {
        Issue.record("\(what): element \(worst) is \(a[worst]), expected \(e[worst]) (relative error \(worstError) > \(tolerance))",
                     sourceLocation: sourceLocation)
    }
}
