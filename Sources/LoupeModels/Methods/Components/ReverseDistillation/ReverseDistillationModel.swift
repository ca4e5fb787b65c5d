import LoupeTensor

/// Reverse Distillation's trainable part (Deng & Li, CVPR 2022): the one-class bottleneck
/// embedding (OCBE) fuses the teacher's three scales into a compact code, and the student
/// decoder reconstructs the teacher's features from it, deepest first. On good images the
/// student learns to match; on defects it cannot, and 1 − cos between the two marks them.
public final class ReverseDistillationModel: Module {
    let ocbe: OneClassBottleneck
    let student: ReverseStudent

    /// - Parameters:
    ///   - channels: the teacher's (stride 4, 8, 16) channel counts.
    ///   - linearStudentOutput: end each student stage without ReLU (signed teacher features).
    init(channels: [Int], blocks: BlockKind, embeddingBlocks: Int, decoderBlocks: [Int], linearStudentOutput: Bool,
         using generator: inout SeededGenerator) {
        ocbe = OneClassBottleneck(channels: channels, kind: blocks, count: embeddingBlocks, using: &generator)
        student = ReverseStudent(channels: channels, kind: blocks, counts: decoderBlocks, linearOutput: linearStudentOutput, using: &generator)
        super.init()
        // The reference initialisation: kaiming_normal_(fan_out, relu) on every (transposed)
        // convolution as stored; BatchNorm γ = 1, β = 0.
        for (name, parameter) in namedParameters where name.hasSuffix("weight") && parameter.shape.count == 4 {
            parameter.assign(Initialization.kaimingNormal(parameter.shape, fan: .fanOut, using: &generator))
        }
    }

    /// Student features for teacher features (stride 4, 8, 16), in the same order.
    public func callAsFunction(_ teacherFeatures: [Tensor]) -> [Tensor] {
        student(ocbe(teacherFeatures))
    }
}

/// Multi-scale fusion (stride 4 and 8 brought down to stride 16 by conv-BN-ReLU steps,
/// concatenated with the stride-16 feature), then one residual stage to stride 32.
final class OneClassBottleneck: Module {
    let down1: Sequential
    let down2: Sequential
    let oce: Sequential

    init(channels: [Int], kind: BlockKind, count: Int, using generator: inout SeededGenerator) {
        let (c1, c2, c3) = (channels[0], channels[1], channels[2])
        down1 = Sequential([convolutionNormalizationReLU(c1, c2, stride: 2, using: &generator),
                            convolutionNormalizationReLU(c2, c3, stride: 2, using: &generator)])
        down2 = convolutionNormalizationReLU(c2, c3, stride: 2, using: &generator)
        oce = encoderStage(kind, inChannels: 3 * c3, planes: 2 * c3 / kind.expansion, count: count, using: &generator)
    }

    func callAsFunction(_ features: [Tensor]) -> Tensor {
        oce(Tensor.concatenate([down1(features[0]), down2(features[1]), features[2]], alongAxis: 1))
    }
}

/// The reverse decoder: embedding (2·c3 at stride 32) → c3 at 16 → c2 at 8 → c1 at 4.
final class ReverseStudent: Module {
    let up3: Sequential
    let up2: Sequential
    let up1: Sequential

    init(channels: [Int], kind: BlockKind, counts: [Int], linearOutput: Bool, using generator: inout SeededGenerator) {
        let (c1, c2, c3) = (channels[0], channels[1], channels[2])
        let e = kind.expansion
        up3 = decoderStage(kind, inChannels: 2 * c3, planes: c3 / e, count: counts[0], linearOutput: linearOutput, using: &generator)
        up2 = decoderStage(kind, inChannels: c3, planes: c2 / e, count: counts[1], linearOutput: linearOutput, using: &generator)
        up1 = decoderStage(kind, inChannels: c2, planes: c1 / e, count: counts[2], linearOutput: linearOutput, using: &generator)
    }

    func callAsFunction(_ embedding: Tensor) -> [Tensor] {
        let s3 = up3(embedding)
        let s2 = up2(s3)
        return [up1(s2), s2, s3]
    }
}
