import LoupeTensor
import Testing

/// The tensors of one case in a fixture file: those named `prefix/…`, without the prefix.
public func fixtureCase(_ fixtures: [String: Tensor], _ prefix: String) -> [String: Tensor] {
    Dictionary(uniqueKeysWithValues: fixtures.filter { $0.key.hasPrefix(prefix + "/") }.map { (String($0.key.dropFirst(prefix.count + 1)), $0.value) })
}

/// Checks a module against a PyTorch case stored under `prefix` in `fixtures` (its state
/// dictionary, `input0`, `input1`…, `out`, `gout`, `grad_input<i>` and `grad_<parameter>`):
/// loads the weights, runs `forward` on the inputs, and compares the output, every input's
/// gradient and every parameter's gradient.
public func expectModuleMatchesFixture(_ module: Module, _ fixtures: [String: Tensor], prefix: String, tolerance: Float = 1e-4,
                                       sourceLocation: SourceLocation = #_sourceLocation, _ forward: ([Tensor]) -> Tensor) throws {
    let case_ = fixtureCase(fixtures, prefix)
    let weights = case_.filter { key, _ in !key.hasPrefix("grad_") && !key.hasPrefix("input") && !["out", "gout"].contains(key) }
    #expect(Set(module.stateDictionary().keys) == Set(weights.keys), "\(prefix): state names", sourceLocation: sourceLocation)
    try module.loadStateDictionary(weights, source: prefix)
    let inputs = (0..<case_.keys.filter { $0.hasPrefix("input") }.count).map { case_["input\($0)"]!.requiringGradient() }
    let out = forward(inputs)
    expectClose(out, case_["out"], tolerance: tolerance, "\(prefix) output", sourceLocation: sourceLocation)
    guard let gradient = case_["gout"] else {
        Issue.record("\(prefix): no gout", sourceLocation: sourceLocation)
        return
    }
    out.backward(gradient: gradient)
    for (index, input) in inputs.enumerated() {
        expectClose(input.gradient, case_["grad_input\(index)"], tolerance: tolerance, "\(prefix) ∂/∂input\(index)", sourceLocation: sourceLocation)
    }
    for (name, parameter) in module.namedParameters {
        expectClose(parameter.gradient, case_["grad_" + name], tolerance: tolerance, "\(prefix) ∂/∂\(name)", sourceLocation: sourceLocation)
    }
}
