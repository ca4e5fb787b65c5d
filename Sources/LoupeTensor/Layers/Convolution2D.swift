/// How a convolution pads its input.
public enum PaddingRule: Equatable, Sendable {
    case explicit(Padding2D)
    /// TensorFlow's "SAME": output = ceil(input / stride); an odd total goes bottom/right.
    case tensorFlowSame
}

/// `nn.Conv2d`: parameters `weight` (O×C/groups×kh×kw) and optional `bias`.
public final class Conv2d: Module, Layer {
    public let weight: Parameter
    /// Optional; a folded BatchNorm adds one.
    public private(set) var bias: Parameter?
    public let stride: Int, dilation: Int, groups: Int
    public let paddingRule: PaddingRule

    public convenience init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Padding2D = .zero,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, using generator: inout SeededGenerator) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
                  paddingRule: .explicit(padding), dilation: dilation, groups: groups, bias: bias, using: &generator)
    }

    public convenience init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, paddingRule: PaddingRule,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, using generator: inout SeededGenerator) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride,
                  paddingRule: paddingRule, dilation: dilation, groups: groups, bias: bias, using: &generator)
    }

    /// A rectangular kernel (`kernel_size=(kh, kw)`), e.g. the 1×k and k×1 band convolutions.
    public init(inChannels: Int, outChannels: Int, kernelHeight: Int, kernelWidth: Int, stride: Int = 1, paddingRule: PaddingRule,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, using generator: inout SeededGenerator) {
        invariant(inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: channels \(inChannels)→\(outChannels) not divisible by groups \(groups)")
        let shape = [outChannels, inChannels / groups, kernelHeight, kernelWidth]
        weight = Parameter(Initialization.kaimingUniformDefault(shape, using: &generator))
        let bound = 1 / Float(Initialization.fans(of: shape).fanIn).squareRoot()
        self.bias = bias ? Parameter(Tensor.randomUniform([outChannels], lower: -bound, upper: bound, using: &generator)) : nil
        self.stride = stride; self.paddingRule = paddingRule; self.dilation = dilation; self.groups = groups
    }

    /// The padding for an input of `height`×`width`.
    public func padding(height: Int, width: Int) -> Padding2D {
        switch paddingRule {
        case let .explicit(padding): return padding
        case .tensorFlowSame:
            func total(_ size: Int, _ kernel: Int) -> Int {
                max(((size + stride - 1) / stride - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
            }
            let vertical = total(height, weight.shape[2]), horizontal = total(width, weight.shape[3])
            return Padding2D(top: vertical / 2, left: horizontal / 2, bottom: vertical - vertical / 2, right: horizontal - horizontal / 2)
        }
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight.value, bias: bias?.value, stride: stride,
                     padding: padding(height: input.shape[2], width: input.shape[3]), dilation: dilation, groups: groups)
    }

    /// activation(norm(conv(input))): once `norm` is folded into this convolution, one
    /// pass that applies bias and activation as it writes (what frozen teachers run).
    public func callAsFunction(_ input: Tensor, then norm: BatchNorm2d, _ activation: ConvolutionActivation) -> Tensor {
        guard norm.isFolded else { return norm(self(input), activation) }
        return input.conv2d(weight: weight.value, bias: bias?.value, stride: stride,
                            padding: padding(height: input.shape[2], width: input.shape[3]), dilation: dilation, groups: groups,
                            activation: activation)
    }

    /// Folds an evaluation-mode BatchNorm that follows this convolution into its weight and
    /// bias: w·γ/σ and (b − μ)·γ/σ + β. Frozen networks then skip a pass over every
    /// activation.
    public func fold(_ norm: BatchNorm2d) {
        invariant(!norm.isTraining && norm.weight.shape[0] == weight.shape[0],
                  "Conv2d.fold: needs an evaluation-mode BatchNorm of \(weight.shape[0]) channels")
        let channels = weight.shape[0], perChannel = weight.value.count / channels
        let gamma = norm.weight.value.scalars, beta = norm.bias.value.scalars
        let mean = norm.running_mean.value.scalars, variance = norm.running_var.value.scalars
        let oldBias = bias?.value.scalars ?? [Float](repeating: 0, count: channels)
        let scales = (0..<channels).map { gamma[$0] / (variance[$0] + norm.epsilon).squareRoot() }
        weight.update { w in
            for c in 0..<channels { for i in 0..<perChannel { w[c * perChannel + i] *= scales[c] } }
        }
        let folded = Tensor(shape: [channels], scalars: (0..<channels).map { (oldBias[$0] - mean[$0]) * scales[$0] + beta[$0] })
        if let bias { bias.assign(folded) } else { bias = Parameter(folded, requiresGradient: weight.requiresGradient) }
        norm.markFolded()
    }
}

/// `nn.ConvTranspose2d`: `weight` is Cin×(O/groups)×kh×kw.
public final class ConvTranspose2d: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int, padding: Int, outputPadding: Int, dilation: Int, groups: Int

    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true,
                using generator: inout SeededGenerator) {
        let shape = [inChannels, outChannels / groups, kernelSize, kernelSize]
        weight = Parameter(Initialization.kaimingUniformDefault(shape, using: &generator))
        let bound = 1 / Float(Initialization.fans(of: shape).fanIn).squareRoot()
        self.bias = bias ? Parameter(Tensor.randomUniform([outChannels], lower: -bound, upper: bound, using: &generator)) : nil
        self.stride = stride; self.padding = padding; self.outputPadding = outputPadding
        self.dilation = dilation; self.groups = groups
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.transposedConv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
                               outputPadding: outputPadding, dilation: dilation, groups: groups)
    }
}
