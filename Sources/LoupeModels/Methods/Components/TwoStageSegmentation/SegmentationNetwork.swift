import LoupeTensor

/// The segmentation network that reads teacher–student discrepancies (DeSTSeg, Zhang et al.
/// CVPR 2023; paper 003 §3.3): the three scales' products of L2-normalised teacher and
/// student features (`discrepancyInput`), two PA_Residual blocks, then the head: RCM (or
/// ASPP, `--no-rcm`), a 3×3 conv → BN → ReLU and a 1×1 conv to one logit per pixel at
/// stride 4. Shared by the methods that learn a map from synthetic defects.
final class SegmentationNetwork: Module {
    let residual: Sequential
    let context: any Layer
    let head: Sequential

    init(inChannels: Int, width: Int, attention: PyramidAttention, rectangularContext: Bool, using generator: inout SeededGenerator) {
        residual = PyramidAttentionBlock.layer(inChannels, width, attention: attention, using: &generator)
        context = rectangularContext ? RectangularSelfCalibration(channels: width, using: &generator)
            : AtrousSpatialPyramidPooling(channels: width, using: &generator)
        head = Sequential([Conv2d(inChannels: width, outChannels: width, kernelSize: 3, padding: Padding2D(1), bias: false, using: &generator),
                           BatchNorm2d(width), Activation.relu,
                           Conv2d(inChannels: width, outChannels: 1, kernelSize: 1, using: &generator)])
    }

    /// N×1×h×w logits for the discrepancy input (`discrepancyInput`).
    func callAsFunction(_ input: Tensor) -> Tensor {
        head(context(residual(input)))
    }

    /// The residual blocks' parameters and the head's (RCM or ASPP and the final
    /// convolutions): paper 003 trains them at different learning rates.
    var parameterGroups: (residual: [Parameter], head: [Parameter]) {
        (residual.parameters, context.parameters + head.parameters)
    }
}

/// The segmentation network's input: per scale −T̂ ⊙ Ŝ (teacher and student features
/// L2-normalised over channels; a pixel's channels sum to −cos), resized bilinearly to the
/// stride-4 size and concatenated over the scales.
func discrepancyInput(teacher: [Tensor], student: [Tensor]) -> Tensor {
    let (h, w) = (teacher[0].shape[2], teacher[0].shape[3])
    return Tensor.concatenate(zip(teacher, student).map { t, s in
        let product = -(t.normalizedOverChannels() * s.normalizedOverChannels())
        return product.shape[2] == h && product.shape[3] == w ? product : product.resizedBilinear(height: h, width: w)
    }, alongAxis: 1)
}

extension Tensor {
    /// `F.normalize(x, dim=1)`: x / max(‖x‖₂ over channels, 10⁻¹²).
    func normalizedOverChannels() -> Tensor {
        self / (self * self).sum(alongAxes: [1], keepingDimensions: true).squareRoot().clamped(min: 1e-12)
    }
}
