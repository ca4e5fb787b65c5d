import LoupeTensor

/// rd-dual's network: MAFFM turns the teachers' features into a one-class code, and the
/// student decodes it back into their concatenated features at strides 4, 8 and 16.
public final class DualTeacherModel: Module {
    let fusion: MultipleAttentionalFeatureFusion
    let student: any StudentDecoder

    init(teacher: TeacherLayout, weighsChannels: Bool, fusesIteratively: Bool, mirrorsTeacher: Bool, reduction: Int,
         using generator: inout SeededGenerator) {
        let channels = teacher.stageChannels
        let architecture = ReverseDistillationArchitecture(backbone: teacher.backbone)
        // Signed teacher taps (EfficientNet-Lite ends its stages in a projection + BN)
        // cannot be matched through a final ReLU: the student's stages then end linear.
        let linearOutput = teacher.backbones.contains { ReverseDistillationArchitecture(backbone: $0).linearStudentOutput }
        fusion = MultipleAttentionalFeatureFusion(teacher: teacher, architecture: architecture, weighsChannels: weighsChannels,
                                                  fusesIteratively: fusesIteratively, reduction: reduction, using: &generator)
        if mirrorsTeacher {
            student = ReverseStudent(channels: channels, kind: architecture.blocks, counts: architecture.decoderBlocks,
                                     linearOutput: linearOutput, using: &generator)
        } else {
            student = DualTeacherStudent(channels: channels, linearOutput: linearOutput, using: &generator)
        }
        super.init()
        // §4: Kaiming initialisation (as RD: kaiming_normal_, fan_out, on every convolution).
        for (name, parameter) in namedParameters where name.hasSuffix("weight") && parameter.shape.count == 4 {
            parameter.assign(Initialization.kaimingNormal(parameter.shape, fan: .fanOut, using: &generator))
        }
    }

    /// Student features for the teachers' concatenated features (stride 4, 8, 16).
    public func callAsFunction(_ teacherFeatures: [Tensor]) -> [Tensor] {
        student.reconstruct(fusion(teacherFeatures))
    }
}

extension DualTeacherModel: FeatureReconstructingModel {}

/// MAFFM (paper 001 §3.2): per teacher, MSCAM weighs each scale's channels and MFF brings
/// the three scales to one stride-16 map of a common width; iAFF fuses the two teachers'
/// maps; OCE (RD's residual embedding) compresses the result to the stride-32 code.
///
/// The teachers' MFF widths differ (Lite0 and Lite2 end at 112 and 120 channels; the
/// paper's ResNet-34 and Wide-ResNet-50 at 256 and 1024): each MFF's final 1×1 conv
/// projects to 3 × the widest teacher's stride-16 channels, the paper's 3072 for its pair.
final class MultipleAttentionalFeatureFusion: Module {
    /// Per teacher, per scale (teacher-major): nil without MSCAM.
    let attentions: [MultiScaleChannelAttention]?
    /// Per teacher.
    let scaleFusions: [MultiScaleFeatureFusion]
    /// nil: concatenation (or a single teacher).
    let teacherFusion: IterativeAttentionalFeatureFusion?
    let embedding: Sequential
    private let layout: TeacherLayout

    init(teacher: TeacherLayout, architecture: ReverseDistillationArchitecture, weighsChannels: Bool, fusesIteratively: Bool,
         reduction: Int, using generator: inout SeededGenerator) {
        layout = teacher
        attentions = weighsChannels
            ? teacher.channels.flatMap { own in own.map { MultiScaleChannelAttention(channels: $0, reduction: reduction, using: &generator) } }
            : nil
        let width = 3 * (teacher.channels.map { $0[2] }.max() ?? 1)
        scaleFusions = teacher.channels.map { MultiScaleFeatureFusion(channels: $0, outChannels: width, fusesScales: true, using: &generator) }
        let fuses = fusesIteratively && teacher.channels.count == 2
        teacherFusion = fuses ? IterativeAttentionalFeatureFusion(channels: width, reduction: reduction, using: &generator) : nil
        let fused = fuses ? width : width * teacher.channels.count
        let kind = architecture.blocks
        embedding = encoderStage(kind, inChannels: fused, planes: 2 * teacher.stageChannels[2] / kind.expansion,
                                 count: architecture.embeddingBlocks, using: &generator)
    }

    override var excludedPropertyNames: Set<String> { ["layout"] }

    /// The stride-32 code of the teachers' concatenated features.
    func callAsFunction(_ features: [Tensor]) -> Tensor {
        let perTeacher = layout.channels.indices.map { teacher -> Tensor in
            let own = (0..<3).map { scale -> Tensor in
                let part = layout.channels.count == 1 ? features[scale] : features[scale].sliced(alongAxis: 1, layout.channelRanges(scale: scale)[teacher])
                return attentions.map { $0[3 * teacher + scale](part) } ?? part
            }
            return scaleFusions[teacher](own)
        }
        if let teacherFusion { return embedding(teacherFusion(perTeacher[0], perTeacher[1])) }
        return embedding(perTeacher.count == 1 ? perTeacher[0] : Tensor.concatenate(perTeacher, alongAxis: 1))
    }
}
