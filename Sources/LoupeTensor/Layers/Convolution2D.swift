/// `nn.Conv2d`: parameters `weight` (O×C/groups×kh×kw) and optional `bias`.
public final class Conv2d: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int, padding: Padding2D, dilation: Int, groups: Int

    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Padding2D = .zero,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, using generator: inout SeededGenerator) {
        invariant(inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: channels \(inChannels)→\(outChannels) not divisible by groups \(groups)")
        let shape = [outChannels, inChannels / groups, kernelSize, kernelSize]
        weight = Parameter(Initialization.kaimingUniformDefault(shape, using: &generator))
        let bound = 1 / Float(Initialization.fans(of: shape).fanIn).squareRoot()
        self.bias = bias ? Parameter(Tensor.randomUniform([outChannels], lower: -bound, upper: bound, using: &generator)) : nil
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
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
