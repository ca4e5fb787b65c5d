import LoupeTensor
import LoupeTestSupport
import Testing

/// Batch norm while training with the activation after it as one operation (the students'
/// conv → BN → ReLU): forward and every gradient against PyTorch's two operations.
@Suite struct BatchNormActivationTests {
    @Test(arguments: [("batchNormTrainReLU", ConvolutionActivation.relu), ("batchNormTrainReLU6", .relu6)])
    func fusedMatchesPyTorch(_ name: String, _ activation: ConvolutionActivation) throws {
        let fixtures = Fixtures.operations
        let x = try #require(fixtures["\(name)/x"]).requiringGradient()
        let weight = try #require(fixtures["\(name)/w"]).requiringGradient()
        let bias = try #require(fixtures["\(name)/b"]).requiringGradient()
        let running = RunningStatistics(mean: .zeros([5]), variance: .ones([5]), momentum: 0.1)
        let output = x.batchNormalized(weight: weight, bias: bias, running: running, isTraining: true, activation: activation)
        // The fixture reaches both sides of every bound the gradient is gated by.
        #expect(output.scalars.contains(0) && output.scalars.contains { $0 > 0 && $0 < 6 })
        if activation == .relu6 { #expect(output.scalars.contains(6)) }
        expectClose(output, fixtures["\(name)/out"], "\(name) forward")
        output.backward(gradient: try #require(fixtures["\(name)/gout"]))
        expectClose(x.gradient, fixtures["\(name)/grad_x"], "\(name) gradient of x")
        expectClose(weight.gradient, fixtures["\(name)/grad_w"], "\(name) gradient of the weight")
        expectClose(bias.gradient, fixtures["\(name)/grad_b"], "\(name) gradient of the bias")
    }

    @Test func withoutATapeItIsTheTwoOperations() throws {
        let fixtures = Fixtures.operations
        let x = try #require(fixtures["batchNormTrainReLU/x"]), weight = try #require(fixtures["batchNormTrainReLU/w"])
        let bias = try #require(fixtures["batchNormTrainReLU/b"])
        func running() -> RunningStatistics { RunningStatistics(mean: .zeros([5]), variance: .ones([5]), momentum: 0.1) }
        let fused = withoutGradients {
            x.batchNormalized(weight: weight, bias: bias, running: running(), isTraining: true, activation: .relu)
        }
        let apart = withoutGradients { x.batchNormalized(weight: weight, bias: bias, running: running(), isTraining: true).relu() }
        #expect(fused.scalars == apart.scalars)
    }
}
