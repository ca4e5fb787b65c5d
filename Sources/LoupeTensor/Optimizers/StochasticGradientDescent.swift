/// SGD with optional momentum, dampening, Nesterov and L2 weight decay, as `torch.optim.SGD`.
public final class StochasticGradientDescent: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let momentum: Float, dampening: Float, weightDecay: Float, nesterov: Bool
    private var velocity: OptimizerSlots

    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        invariant(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov needs momentum > 0 and no dampening")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum; self.dampening = dampening
        self.weightDecay = weightDecay; self.nesterov = nesterov
        velocity = OptimizerSlots(count: parameters.count)
    }

    /// The momentum buffers, named `sgd.velocity.<index>`.
    public var state: [String: Tensor] { velocity.tensors(prefix: "sgd.velocity") }

    public func restore(_ state: [String: Tensor]) { velocity.restore(from: state, prefix: "sgd.velocity") }

    public func step() {
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.gradient else { continue }
            let n = gradient.count
            let (velocityValues, isNew) = velocity.slot(index, count: momentum != 0 ? n : 0)
            velocityValues.updateInPlace { buffer in
                gradient.withUnsafePointer { g in
                    parameter.update { p in
                        for i in 0..<n {
                            var d = g[i] + weightDecay * p[i]
                            if momentum != 0 {
                                buffer[i] = isNew ? d : momentum * buffer[i] + (1 - dampening) * d
                                d = nesterov ? d + momentum * buffer[i] : buffer[i]
                            }
                            p[i] -= learningRate * d
                        }
                    }
                }
            }
        }
    }
}
