/// `nn.BatchNorm2d` with PyTorch's buffers: `running_mean`, `running_var`,
/// `num_batches_tracked`.
public final class BatchNorm2d: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let running_mean: Buffer
    public let running_var: Buffer
    public let num_batches_tracked: Buffer
    public let epsilon: Float
    /// Weight of each new batch in the running statistics (`recalibrateBatchNorms` varies it).
    public internal(set) var momentum: Float
    /// Set once a convolution has absorbed this normalisation (`Conv2d.fold`): it then
    /// passes its input through.
    public private(set) var isFolded = false

    public init(_ channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        weight = Parameter(.ones([channels]))
        bias = Parameter(.zeros([channels]))
        running_mean = Buffer(.zeros([channels]))
        running_var = Buffer(.ones([channels]))
        num_batches_tracked = Buffer(.zeros([]))
        self.epsilon = epsilon
        self.momentum = momentum
    }

    func markFolded() { isFolded = true }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        normalized(input, then: nil)
    }

    /// activation(self(input)), one pass while training (`batchNormalized(activation:)`).
    public func callAsFunction(_ input: Tensor, _ activation: ConvolutionActivation) -> Tensor {
        normalized(input, then: activation)
    }

    private func normalized(_ input: Tensor, then activation: ConvolutionActivation?) -> Tensor {
        if isFolded { return activation.map { $0(input) } ?? input }
        if isTraining {
            num_batches_tracked.value.updateInPlace { $0[0] += 1 }
        }
        return input.batchNormalized(weight: weight.value, bias: bias.value,
                                     running: RunningStatistics(mean: running_mean.value, variance: running_var.value, momentum: momentum),
                                     isTraining: isTraining, epsilon: epsilon, activation: activation)
    }
}

/// `nn.LayerNorm` over the trailing dimensions `normalizedShape`.
public final class LayerNorm: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let epsilon: Float

    public init(_ normalizedShape: [Int], epsilon: Float = 1e-5) {
        weight = Parameter(.ones(normalizedShape))
        bias = Parameter(.zeros(normalizedShape))
        self.epsilon = epsilon
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.layerNormalized(normalizedRank: weight.shape.count, weight: weight.value, bias: bias.value, epsilon: epsilon)
    }
}
