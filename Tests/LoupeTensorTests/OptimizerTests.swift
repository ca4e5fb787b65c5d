import LoupeTensor
import LoupeTestSupport
import Testing

/// Optimisers and schedules against PyTorch's own trajectories for hand-set gradients.
@Suite struct OptimizerTests {
    static let fixtures = Fixtures.optimizers

    /// Runs `optimizer` over the fixture's six gradients and returns the parameter after each.
    func trajectory(_ makeOptimizer: ([Parameter]) -> any Optimizer) -> Tensor {
        let parameter = Parameter(Self.fixtures["start"]!.copied())
        let optimizer = makeOptimizer([parameter])
        let gradients = Self.fixtures["gradients"]!
        var path: [Tensor] = []
        for step in 0..<gradients.shape[0] {
            optimizer.zeroGradients()
            // Accumulate the fixture gradient through the tape: L = Σ p·g.
            (parameter.value * gradients.sliced(alongAxis: 0, step..<(step + 1)).reshaped([10])).sum().backward()
            optimizer.step()
            path.append(parameter.value.detached.copied().reshaped([1, 10]))
        }
        return Tensor.concatenate(path, alongAxis: 0)
    }

    @Test func sgdMatchesPyTorch() {
        expectClose(trajectory { StochasticGradientDescent(parameters: $0, learningRate: 0.1) },
                    Self.fixtures["sgd/path"], tolerance: 1e-5, "SGD")
        expectClose(trajectory { StochasticGradientDescent(parameters: $0, learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01) },
                    Self.fixtures["sgdMomentum/path"], tolerance: 1e-5, "SGD momentum")
        expectClose(trajectory { StochasticGradientDescent(parameters: $0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true) },
                    Self.fixtures["sgdNesterov/path"], tolerance: 1e-5, "SGD Nesterov")
    }

    /// Parameters of several pieces and ragged tails (the update runs in parallel pieces,
    /// eight values at a time) follow torch's rule value by value, to the bit: checked against
    /// the scalar formula written out here, over three steps with momentum and weight decay.
    @Test func sgdUpdatesLargeParametersValueByValue() {
        var generator = SeededGenerator(seed: 5)
        let sizes = [40_003, 7, 16_384]
        let parameters = sizes.map { Parameter(Tensor.randomNormal([$0], using: &generator)) }
        var expected = parameters.map(\.value.scalars)
        var velocity = sizes.map { [Float](repeating: 0, count: $0) }
        let (rate, momentum, dampening, decay): (Float, Float, Float, Float) = (0.1, 0.9, 0.1, 0.01)
        let optimizer = StochasticGradientDescent(parameters: parameters, learningRate: rate, momentum: momentum, dampening: dampening, weightDecay: decay)
        for step in 0..<3 {
            optimizer.zeroGradients()
            let gradients = sizes.map { Tensor.randomNormal([$0], using: &generator) }
            for (parameter, gradient) in zip(parameters, gradients) { (parameter.value * gradient).sum().backward() }
            optimizer.step()
            for index in sizes.indices {
                let g = gradients[index].scalars
                for i in 0..<sizes[index] {
                    let d = g[i] + decay * expected[index][i]
                    velocity[index][i] = step == 0 ? d : momentum * velocity[index][i] + (1 - dampening) * d
                    expected[index][i] -= rate * velocity[index][i]
                }
            }
        }
        for (parameter, values) in zip(parameters, expected) { #expect(parameter.value.scalars == values) }
    }

    @Test func adamMatchesPyTorch() {
        expectClose(trajectory { Adam(parameters: $0, learningRate: 0.005, betas: (0.5, 0.999)) },
                    Self.fixtures["adam/path"], tolerance: 1e-5, "Adam")
        expectClose(trajectory { Adam(parameters: $0, learningRate: 0.01, weightDecay: 0.1) },
                    Self.fixtures["adamWeightDecay/path"], tolerance: 1e-5, "Adam with L2 decay")
        expectClose(trajectory { Adam.adamW(parameters: $0, learningRate: 0.01, weightDecay: 0.1) },
                    Self.fixtures["adamW/path"], tolerance: 1e-5, "AdamW")
    }

    @Test func schedulesMatchPyTorch() {
        func rates(_ schedule: any LearningRateSchedule, _ count: Int) -> Tensor {
            Tensor(shape: [count], scalars: (0..<count).map { schedule.learningRate(at: $0) })
        }
        expectClose(rates(CosineAnnealingSchedule(base: 0.1, period: 10, minimum: 0.001), 11),
                    Self.fixtures["schedule/cosine"], tolerance: 1e-6, "cosine annealing")
        expectClose(rates(StepDecaySchedule(base: 0.1, interval: 3, factor: 0.5), 10),
                    Self.fixtures["schedule/step"], tolerance: 1e-6, "step decay")
        expectClose(rates(WarmupSchedule(steps: 4, startFactor: 0.1, then: CosineAnnealingSchedule(base: 0.1, period: 8)), 12),
                    Self.fixtures["schedule/warmupCosine"], tolerance: 1e-6, "warm-up then cosine")
    }

    /// Past its period the cosine comes back up, as PyTorch's closed form does (hand-computed:
    /// period 4, base 0.1: 0.05 at 2, 0 at 4, 0.05 at 6, 0.1 at 8).
    @Test func cosineAnnealingRisesAgainPastItsPeriod() {
        let schedule = CosineAnnealingSchedule(base: 0.1, period: 4)
        for (step, rate) in [(0, 0.1), (2, 0.05), (4, 0), (5, 0.1 * (1 - Float(0.5).squareRoot()) / 2), (6, 0.05), (8, 0.1)] as [(Int, Float)] {
            #expect(abs(schedule.learningRate(at: step) - rate) < 1e-7, "step \(step)")
        }
    }

    @Test func frozenParametersRecordNoGradient() {
        let frozen = Parameter(Tensor.ones([3]), requiresGradient: false)
        let trained = Parameter(Tensor.ones([3]))
        (frozen.value * trained.value).sum().backward()
        #expect(frozen.gradient == nil)
        #expect(trained.gradient?.scalars == [1, 1, 1])
    }
}
