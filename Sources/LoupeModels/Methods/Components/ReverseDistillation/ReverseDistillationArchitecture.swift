import LoupeTensor

/// The bottleneck and student shapes that go with a teacher (the reference's table).
struct ReverseDistillationArchitecture {
    let blocks: BlockKind
    let embeddingBlocks: Int
    let decoderBlocks: [Int]
    let linearStudentOutput: Bool

    init(backbone: BackboneName) {
        switch backbone {
        case .wideResNet50:
            self.init(blocks: .bottleneck(baseWidth: 128), embeddingBlocks: 3, decoderBlocks: [3, 4, 6], linearStudentOutput: false)
        case .resnet50:
            self.init(blocks: .bottleneck(baseWidth: 64), embeddingBlocks: 3, decoderBlocks: [3, 4, 6], linearStudentOutput: false)
        case .resnet18, .resnet34:
            self.init(blocks: .basic, embeddingBlocks: 2, decoderBlocks: [2, 2, 2], linearStudentOutput: false)
        default:
            // EfficientNet-Lite taps are signed (projection + BN): the student's stages end linear.
            self.init(blocks: .basic, embeddingBlocks: 2, decoderBlocks: [2, 2, 2], linearStudentOutput: true)
        }
    }

    init(blocks: BlockKind, embeddingBlocks: Int, decoderBlocks: [Int], linearStudentOutput: Bool) {
        self.blocks = blocks
        self.embeddingBlocks = embeddingBlocks
        self.decoderBlocks = decoderBlocks
        self.linearStudentOutput = linearStudentOutput
    }
}

extension ReverseDistillationModel {
    /// The bottleneck and student for `teacher` (sized by its first backbone's
    /// architecture, for its channels at strides 4, 8, 16), initialised from `seed`.
    public convenience init(teacher: TeacherLayout, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let architecture = ReverseDistillationArchitecture(backbone: teacher.backbone)
        self.init(channels: teacher.stageChannels, blocks: architecture.blocks, embeddingBlocks: architecture.embeddingBlocks,
                  decoderBlocks: architecture.decoderBlocks, linearStudentOutput: architecture.linearStudentOutput, using: &generator)
    }
}
