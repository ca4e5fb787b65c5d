import LoupeTensor
import LoupeTestSupport
import Testing

/// Every op's forward and backward against PyTorch on odd shapes (fixtures from
/// scripts/make-fixtures.py).
@Suite struct OperationGoldenTests {
    @Test(arguments: operationCases)
    func matchesPyTorch(_ operation: OperationCase) {
        let fixtures = Fixtures.operations
        let prefix = operation.name + "/"
        var inputs: [String: Tensor] = [:]
        for (key, value) in fixtures where key.hasPrefix(prefix) {
            let field = String(key.dropFirst(prefix.count))
            if field == "out" || field == "gout" || field.hasPrefix("grad_") || field.hasPrefix("running_") || field == "targets" { continue }
            inputs[field] = operation.differentiable.contains(field) ? value.requiringGradient() : value
        }
        #expect(!inputs.isEmpty, "no fixture inputs for \(operation.name)")
        let output = operation.function(inputs)
        expectClose(output, fixtures[prefix + "out"], scale: operation.goldenScale, "\(operation.name) forward")
        guard let seed = fixtures[prefix + "gout"] else { return }
        output.backward(gradient: seed.reshaped(output.shape))
        for name in operation.differentiable {
            expectClose(inputs[name]?.gradient, fixtures[prefix + "grad_" + name], scale: operation.goldenScale,
                        "\(operation.name) gradient of \(name)")
        }
    }

    @Test func batchNormUpdatesRunningStatisticsLikePyTorch() {
        let fixtures = Fixtures.operations
        for (name, training) in [("batchNormTrain", true), ("batchNormEval", false)] {
            let running = RunningStatistics(mean: fixtures["\(name)/running_mean_before"]!.copied(),
                                            variance: fixtures["\(name)/running_var_before"]!.copied(), momentum: 0.1)
            _ = fixtures["\(name)/x"]!.batchNormalized(weight: fixtures["\(name)/w"]!, bias: fixtures["\(name)/b"]!,
                                                       running: running, isTraining: training)
            expectClose(running.mean, fixtures["\(name)/running_mean_after"], tolerance: 1e-5, "\(name) running mean")
            expectClose(running.variance, fixtures["\(name)/running_var_after"], tolerance: 1e-5, "\(name) running variance")
        }
    }
}
