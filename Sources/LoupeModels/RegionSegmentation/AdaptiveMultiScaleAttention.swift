import LoupeTensor

/// AMAM (paper 000 §3.1.2, Figure 2): six parallel views of the encoder's deepest features
/// — a 1×1 conv, four depthwise-separable dilated convs (rates 4, 8, 12, 16), and a global
/// average pool — concatenated, read by a 3×3 conv into one weight per channel and pixel,
/// and the input weighed by it: F_out = F_in ⊗ σ(Conv3×3(F₁ ⊕ … ⊕ F₆)).
///
/// The paper's equation writes each dilated view as a 3×1 then a 1×3 conv, its text as
/// depthwise separable; here each is a depthwise 3×1 then a depthwise 1×3 conv (both dilated,
/// BN-ReLU between) and a pointwise 1×1 conv, BN, ReLU. The "self-attention" of the text is
/// this sigmoid gate: the weights come from the features' own multi-scale context.
final class AdaptiveMultiScaleAttention: Module, Layer {
    static let rates = [4, 8, 12, 16]

    let pointwise: Sequential
    let dilated: [Sequential]
    let pooled: Sequential
    let gate: Conv2d

    /// - Parameter branchChannels: each view's width (six are concatenated).
    init(channels: Int, branchChannels: Int, using generator: inout SeededGenerator) {
        func normalizedReLU(_ conv: Conv2d, _ count: Int) -> [any Layer] { [conv, BatchNorm2d(count), Activation.relu] }
        pointwise = Sequential(normalizedReLU(Conv2d(inChannels: channels, outChannels: branchChannels, kernelSize: 1, bias: false,
                                                     using: &generator), branchChannels))
        dilated = Self.rates.map { rate in
            let vertical = Conv2d(inChannels: channels, outChannels: channels, kernelHeight: 3, kernelWidth: 1,
                                  paddingRule: .explicit(Padding2D(top: rate, left: 0, bottom: rate, right: 0)), dilation: rate,
                                  groups: channels, bias: false, using: &generator)
            let horizontal = Conv2d(inChannels: channels, outChannels: channels, kernelHeight: 1, kernelWidth: 3,
                                    paddingRule: .explicit(Padding2D(top: 0, left: rate, bottom: 0, right: rate)), dilation: rate,
                                    groups: channels, bias: false, using: &generator)
            let mix = Conv2d(inChannels: channels, outChannels: branchChannels, kernelSize: 1, bias: false, using: &generator)
            return Sequential(normalizedReLU(vertical, channels) + [horizontal] + normalizedReLU(mix, branchChannels))
        }
        pooled = Sequential(normalizedReLU(Conv2d(inChannels: channels, outChannels: branchChannels, kernelSize: 1, bias: false,
                                                  using: &generator), branchChannels))
        gate = Conv2d(inChannels: 6 * branchChannels, outChannels: channels, kernelSize: 3, padding: Padding2D(1), using: &generator)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        let (height, width) = (input.shape[2], input.shape[3])
        let global = pooled(input.mean(alongAxes: [2, 3], keepingDimensions: true)).resizedBilinear(height: height, width: width)
        let views = [pointwise(input)] + dilated.map { $0(input) } + [global]
        return input * gate(Tensor.concatenate(views, alongAxis: 1)).sigmoid()
    }
}
