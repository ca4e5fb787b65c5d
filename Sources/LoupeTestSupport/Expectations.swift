import Foundation
import LoupeFormats
import LoupeTensor
import Testing

/// Loads a committed fixture written by `scripts/make-fixtures.py` (PyTorch).
public func loadFixture(_ path: String) -> [String: Tensor] {
    do {
        return try SafeTensors(contentsOf: path).tensors
    } catch {
        Issue.record("cannot load fixture \(path): \(error)")
        return [:]
    }
}

/// How a comparison scales its tolerance.
public enum ToleranceScale: Sendable {
    /// |a − e| ≤ tolerance · max(1, |e|): for values of order one.
    case unitOrLarger
    /// |a − e| ≤ tolerance · max(|e|, RMS(e)): for deep features far from 1.
    case tensorRootMeanSquare
}

/// Asserts that `actual` matches `expected` element-wise within `tolerance`, and reports
/// the worst element.
public func expectClose(_ actual: Tensor?, _ expected: Tensor?, tolerance: Float = 1e-4, scale: ToleranceScale = .unitOrLarger,
                        _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
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
    let floor: Float
    switch scale {
    case .unitOrLarger: floor = 1
    case .tensorRootMeanSquare: floor = Float((e.map { Double($0) * Double($0) }.reduce(0, +) / Double(max(e.count, 1))).squareRoot())
    }
    var worst = 0, worstError: Float = 0
    for i in 0..<a.count {
        let error = abs(a[i] - e[i]) / max(floor, abs(e[i]))
        if !(error <= worstError) { worstError = error; worst = i }
    }
    if !(worstError <= tolerance) {
        Issue.record("\(what): element \(worst) is \(a[worst]), expected \(e[worst]) (relative error \(worstError) > \(tolerance))",
                     sourceLocation: sourceLocation)
    }
}
