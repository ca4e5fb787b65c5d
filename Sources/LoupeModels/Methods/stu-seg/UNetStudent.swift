import LoupeTensor

/// stu-seg's student (paper 004): a U-Net trained from scratch on the (synthetically
/// defective) image. The encoder is ResNet-18-shaped (7×7 stem, max-pool, four layers of two
/// basic blocks at widths w, 2w, 4w, 8w, strides 4 to 32); each decoder level brings the
/// deeper feature to its width (1×1 conv, BN, ReLU), upsamples it bilinearly to the
/// encoder's size there, fuses it with the encoder's feature of that level (the skip, so
/// small defects keep their edges) by SFM, and refines the result with a basic block. The
/// levels at strides 16, 8 and 4, each projected (1×1 conv) to the teacher's channels, are
/// the student's features. `--no-skips`: the decoder sees only the deeper feature;
/// `--no-sfm`: skip and deeper feature are summed.
final class UNetStudent: Module, ImageStudent {
    let conv1: Conv2d, bn1: BatchNorm2d
    let encoder: [Sequential]
    let levels: [UNetDecoderLevel]
    let projections: [Conv2d]

    init(width: Int, teacherChannels: [Int], fusion: UNetDecoderLevel.Fusion, using generator: inout SeededGenerator) {
        let widths = [1, 2, 4, 8].map { $0 * width }
        let plain = PyramidAttention(parallelConvolutions: false, attentionalFusion: false)
        conv1 = Conv2d(inChannels: 3, outChannels: width, kernelSize: 7, stride: 2, padding: Padding2D(3), bias: false, using: &generator)
        bn1 = BatchNorm2d(width)
        encoder = widths.indices.map { index in
            PyramidAttentionBlock.layer(widths[max(0, index - 1)], widths[index], stride: index == 0 ? 1 : 2, attention: plain, using: &generator)
        }
        levels = [2, 1, 0].map { UNetDecoderLevel(deeperChannels: widths[$0 + 1], channels: widths[$0], fusion: fusion, using: &generator) }
        projections = (0..<3).map { Conv2d(inChannels: widths[$0], outChannels: teacherChannels[$0], kernelSize: 1, using: &generator) }
    }

    func callAsFunction(_ images: Tensor) -> [Tensor] {
        var x = conv1(images, then: bn1, .relu).maxPool2d(kernelSize: 3, stride: 2, padding: 1)
        var skips: [Tensor] = []
        for layer in encoder {
            x = layer(x)
            skips.append(x)
        }
        var outputs: [Tensor] = []
        for (level, scale) in zip(levels, [2, 1, 0]) {
            x = level(x, skip: skips[scale])
            outputs.insert(projections[scale](x), at: 0)
        }
        return outputs
    }
}

/// One U-Net decoder level: reduce the deeper feature's channels, upsample it to the skip's
/// size, fuse, refine with a basic block.
final class UNetDecoderLevel: Module {
    /// How the level combines the skip with the deeper feature.
    enum Fusion: Equatable {
        case selective, sum, noSkip
    }

    let reduce: Sequential
    let selection: SelectiveFusionModule?
    let refine: PyramidAttentionBlock
    let fusion: Fusion

    init(deeperChannels: Int, channels: Int, fusion: Fusion, using generator: inout SeededGenerator) {
        reduce = Sequential([Conv2d(inChannels: deeperChannels, outChannels: channels, kernelSize: 1, bias: false, using: &generator),
                             BatchNorm2d(channels), Activation.relu])
        selection = fusion == .selective ? SelectiveFusionModule(channels: channels, using: &generator) : nil
        refine = PyramidAttentionBlock(inChannels: channels, outChannels: channels,
                                       attention: PyramidAttention(parallelConvolutions: false, attentionalFusion: false), using: &generator)
        self.fusion = fusion
    }

    override var excludedPropertyNames: Set<String> { ["fusion"] }

    func callAsFunction(_ deeper: Tensor, skip: Tensor) -> Tensor {
        let up = reduce(deeper).resizedBilinear(height: skip.shape[2], width: skip.shape[3])
        switch fusion {
        case .selective: return refine(selection.map { $0(skip, up) } ?? up)
        case .sum: return refine(skip + up)
        case .noSkip: return refine(up)
        }
    }
}
