import LoupeTensor

/// RCM, the rectangular self-calibration module (Ni et al., "Context-Guided Spatial Feature
/// Reconstruction for Efficient Semantic Segmentation", ECCV 2024), which paper 003 puts in
/// the segmentation network in place of ASPP: the feature's row means plus its column means
/// give a rectangular context, which 1×11 and 11×1 depthwise band convolutions turn into
/// an attention over a 3×3 depthwise local feature; then BN, a 1×1 MLP (×2, GELU) scaled by
/// a per-channel γ (starting at 10⁻⁶), added to the input.
final class RectangularSelfCalibration: Module, Layer {
    static let band = 11
    let local: Conv2d
    let horizontal: Conv2d, bandNorm: BatchNorm2d, vertical: Conv2d
    let norm: BatchNorm2d
    let expand: Conv2d, contract: Conv2d
    let gamma: Parameter

    init(channels: Int, using generator: inout SeededGenerator) {
        let half = Self.band / 2
        local = Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: Padding2D(1), groups: channels, using: &generator)
        horizontal = Conv2d(inChannels: channels, outChannels: channels, kernelHeight: 1, kernelWidth: Self.band,
                            paddingRule: .explicit(Padding2D(top: 0, left: half, bottom: 0, right: half)), groups: channels, using: &generator)
        bandNorm = BatchNorm2d(channels)
        vertical = Conv2d(inChannels: channels, outChannels: channels, kernelHeight: Self.band, kernelWidth: 1,
                          paddingRule: .explicit(Padding2D(top: half, left: 0, bottom: half, right: 0)), groups: channels, using: &generator)
        norm = BatchNorm2d(channels)
        expand = Conv2d(inChannels: channels, outChannels: channels * 2, kernelSize: 1, using: &generator)
        contract = Conv2d(inChannels: channels * 2, outChannels: channels, kernelSize: 1, using: &generator)
        gamma = Parameter(Tensor(shape: [channels], scalars: [Float](repeating: 1e-6, count: channels)))
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let c = x.shape[1]
        let context = x.mean(alongAxes: [3], keepingDimensions: true) + x.mean(alongAxes: [2], keepingDimensions: true)
        let attention = vertical(horizontal(context, then: bandNorm, .relu)).sigmoid()
        let mixed = norm(attention * local(x))
        return contract(expand(mixed).gelu()) * gamma.value.reshaped([1, c, 1, 1]) + x
    }
}
