import LoupeTensor

/// pfadseg's denoising student (paper 003 §3.1): a PA_ResNet-18-like encoder trained from
/// scratch on the (synthetically defective) image, and the encoder reversed as the decoder,
/// every downsampling replaced by a bilinear upsampling; the decoder's stride-16, 8 and 4
/// outputs, each projected by a 1×1 convolution to the teacher's channels (the paper's
/// ResNet-18 teacher matched the widths; ours need not), are distilled to the teacher's
/// features of the clean image.
///
/// Widths are `width` × (1, 2, 4, 8): the paper's ResNet-18 is width 64; our default 32
/// costs a quarter of it, for two CPU cores (docs/methods.md).
final class DenoisingStudent: Module, ImageStudent {
    let conv1: Conv2d, bn1: BatchNorm2d
    let encoder: [Sequential]
    let decoder: [Sequential]
    let projections: [Conv2d]

    init(width: Int, teacherChannels: [Int], attention: PyramidAttention, using generator: inout SeededGenerator) {
        let widths = [1, 2, 4, 8].map { $0 * width }
        conv1 = Conv2d(inChannels: 3, outChannels: width, kernelSize: 7, stride: 2, padding: Padding2D(3), bias: false, using: &generator)
        bn1 = BatchNorm2d(width)
        encoder = widths.indices.map { index in
            PyramidAttentionBlock.layer(widths[max(0, index - 1)], widths[index], stride: index == 0 ? 1 : 2, attention: attention, using: &generator)
        }
        // Stride 32 at the deepest width, then up to 16, 8 and 4.
        decoder = [PyramidAttentionBlock.layer(widths[3], widths[3], attention: attention, using: &generator)]
            + [2, 1, 0].map { index in PyramidAttentionBlock.layer(widths[index + 1], widths[index], attention: attention, using: &generator) }
        projections = (0..<3).map { scale in
            Conv2d(inChannels: widths[scale], outChannels: teacherChannels[scale], kernelSize: 1, using: &generator)
        }
    }

    /// The student's features of N×3×H×W images at strides 4, 8 and 16 (the teacher's sizes).
    func callAsFunction(_ images: Tensor) -> [Tensor] {
        var x = conv1(images, then: bn1, .relu).maxPool2d(kernelSize: 3, stride: 2, padding: 1)
        var sizes: [(Int, Int)] = []
        for layer in encoder {
            x = layer(x)
            sizes.append((x.shape[2], x.shape[3]))
        }
        x = decoder[0](x)
        var outputs: [Tensor] = []
        for (step, target) in [2, 1, 0].enumerated() {
            x = decoder[step + 1](x.resizedBilinear(height: sizes[target].0, width: sizes[target].1))
            outputs.insert(projections[target](x), at: 0)
        }
        return outputs
    }
}
