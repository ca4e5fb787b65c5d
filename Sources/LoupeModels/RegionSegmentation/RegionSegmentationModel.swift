import LoupeTensor

/// The small-sample ROI segmenter of paper 000 (§3.1, Figure 1, Table 1): it finds the part
/// in a cluttered frame so only the part goes to the anomaly detector.
///
/// Encoder: the pretrained EfficientNet-Lite teacher's stages, fine-tuned, at output stride
/// 16 (its stride-32 stages run at stride 16 with their depthwise convolutions dilated by 2:
/// `EfficientNetLite(outputStride:)`), tapped at strides 2, 4, 8 and 16. AMAM reads the
/// deepest features; a 1×1 conv-BN-ReLU joins them to the decoder (the paper found a 1×1
/// conv better than a gate at this lowest level). Decoder: four ×2 upsampling stages; the
/// first three join the stride-8, 4 and 2 features through attention gates, the fourth
/// reaches full resolution; a 1×1 conv gives one logit per pixel (part vs background).
public final class RegionSegmentationModel: Module {
    let encoder: RegionEncoder
    let attention: AdaptiveMultiScaleAttention
    let bridge: Sequential
    let stages: [RegionDecoderStage]
    let head: Conv2d

    /// Decoder widths from the bridge down to full resolution.
    static let widths = [96, 64, 32, 16, 16]

    /// - Parameter lite: an EfficientNet-Lite built with `outputStride: 16` (pretrained weights
    ///   loaded or not); its stem and blocks become the encoder.
    public init(encoder lite: EfficientNetLite, using generator: inout SeededGenerator) {
        encoder = RegionEncoder(lite)
        let channels = encoder.channels
        attention = AdaptiveMultiScaleAttention(channels: channels[3], branchChannels: max(channels[3] / 4, 8), using: &generator)
        let widths = Self.widths
        bridge = Sequential([Conv2d(inChannels: channels[3], outChannels: widths[0], kernelSize: 1, bias: false, using: &generator),
                             BatchNorm2d(widths[0]), Activation.relu])
        stages = [
            RegionDecoderStage(inChannels: widths[0], outChannels: widths[1], skipChannels: channels[2], gated: true, using: &generator),
            RegionDecoderStage(inChannels: widths[1], outChannels: widths[2], skipChannels: channels[1], gated: true, using: &generator),
            RegionDecoderStage(inChannels: widths[2], outChannels: widths[3], skipChannels: channels[0], gated: true, using: &generator),
            RegionDecoderStage(inChannels: widths[3], outChannels: widths[4], skipChannels: nil, gated: false, using: &generator),
        ]
        head = Conv2d(inChannels: widths[4], outChannels: 1, kernelSize: 1, using: &generator)
    }

    /// N×1×H×W logits (part > 0) for N×3×H×W inputs normalised the encoder's way; H and W
    /// divisible by 16.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let skips = encoder(input)
        var x = bridge(attention(skips[3]))
        x = stages[0](x, skip: skips[2])
        x = stages[1](x, skip: skips[1])
        x = stages[2](x, skip: skips[0])
        return head(stages[3](x, skip: nil))
    }
}

/// EfficientNet-Lite's stem and blocks (their parameter names kept, so the teacher's weights
/// load as they are), giving the ends of the stride-2, 4, 8 and 16 stages; the last is the
/// dilated stride-32 stage's end.
final class RegionEncoder: Module {
    let _conv_stem: Conv2d
    let _bn0: BatchNorm2d
    let _blocks: [MobileInvertedBottleneck]
    /// Block indices whose outputs are tapped.
    private let taps: [Int]
    /// Channels of the four taps.
    let channels: [Int]

    init(_ lite: EfficientNetLite) {
        _conv_stem = lite._conv_stem
        _bn0 = lite._bn0
        _blocks = lite._blocks
        // Stage 0 ends at stride 2, 1 at 4, 2 at 8; the last stage (dilated) at 16.
        taps = [lite.stageEnds[0], lite.stageEnds[1], lite.stageEnds[2], lite.stageEnds[lite.stageEnds.count - 1]]
        channels = taps.map { lite._blocks[$0].outChannels }
    }

    override var excludedPropertyNames: Set<String> { ["taps", "channels"] }

    func callAsFunction(_ input: Tensor) -> [Tensor] {
        var x = _conv_stem(input, then: _bn0, .relu6)
        var outputs: [Tensor] = []
        for (index, block) in _blocks.prefix(taps[3] + 1).enumerated() {
            x = block(x)
            if taps.contains(index) { outputs.append(x) }
        }
        return outputs
    }
}
