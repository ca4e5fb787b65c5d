import LoupeTensor

/// One of the ROI decoder's upsampling stages (paper 000, Table 1): ×2 bilinear, a 3×3
/// conv-BN-ReLU; with a skip, the skip (through its attention gate, or as is) concatenated
/// and a second 3×3 conv-BN-ReLU.
final class RegionDecoderStage: Module {
    let upsample: Sequential
    let gate: GateAttention?
    let merge: Sequential?

    /// - Parameters:
    ///   - skipChannels: the encoder feature joined at the doubled resolution (nil: none).
    ///   - gated: put an attention gate on the skip.
    init(inChannels: Int, outChannels: Int, skipChannels: Int?, gated: Bool, using generator: inout SeededGenerator) {
        func convolution(_ input: Int, _ output: Int, _ generator: inout SeededGenerator) -> [any Layer] {
            [Conv2d(inChannels: input, outChannels: output, kernelSize: 3, padding: Padding2D(1), bias: false, using: &generator),
             BatchNorm2d(output), Activation.relu]
        }
        upsample = Sequential(convolution(inChannels, outChannels, &generator))
        if let skipChannels {
            gate = gated ? GateAttention(gatingChannels: outChannels, skipChannels: skipChannels, innerChannels: max(outChannels / 2, 8),
                                         using: &generator) : nil
            merge = Sequential(convolution(outChannels + skipChannels, outChannels, &generator))
        } else {
            (gate, merge) = (nil, nil)
        }
    }

    func callAsFunction(_ input: Tensor, skip: Tensor?) -> Tensor {
        let height = skip?.shape[2] ?? 2 * input.shape[2], width = skip?.shape[3] ?? 2 * input.shape[3]
        let up = upsample(input.resizedBilinear(height: height, width: width))
        guard let skip, let merge else { return up }
        return merge(Tensor.concatenate([up, gate.map { $0(up, skip) } ?? skip], alongAxis: 1))
    }
}
