import LoupeTensor

/// `rd-mff`: reverse distillation with multi-scale feature fusion, a transformer filter, a
/// residual embedding and a heterogeneous residual student (paper 000: "two-stage ROI +
/// MFF/ViT student", §3.2, Figures 4–6, Table 3; its ablations, Table 9, are the switches
/// here). `--mirror-student` puts RD's decoder in the student's place: better on the
/// texture samples, worse on DeepPCB's real defects (docs/methods.md).
public enum MultiScaleFusion: AnomalyMethod {
    public static let name = "rd-mff"
    public static let summary = "multi-scale fusion, transformer filter, heterogeneous student"
    public static let paper = "paper 000 §3.2: feature aggregation and filtering module"
    public static let settings: [MethodSetting] = [
        MethodSetting("mff", default: .bool(true), help: "fuse the stride-4 and stride-8 scales into the deepest (off: the deepest scale alone)"),
        MethodSetting("transformer", default: .bool(true), help: "filter the fused grid with transformer encoder layers"),
        MethodSetting("mirror_student", default: .bool(false),
                      help: "RD's decoder as the student instead of the trunk-and-heads residual one (docs/methods.md)"),
        MethodSetting("heads", default: .integer(4), help: "attention heads of the transformer filter", range: 1...8),
        MethodSetting("depth", default: .integer(1), help: "transformer encoder layers (the paper uses one ViT block)", range: 1...4),
    ]

    public static func makeModel(teacher: TeacherLayout, configuration: TrainingConfiguration) -> any DistillationModel {
        var generator = SeededGenerator(seed: configuration.seed)
        return MultiScaleFusionModel(
            channels: teacher.stageChannels, architecture: ReverseDistillationArchitecture(backbone: teacher.backbone),
            gridSize: max(1, configuration.imageSize / 16),
            fusesScales: configuration.bool("mff", of: Self.self), filters: configuration.bool("transformer", of: Self.self),
            mirrorsTeacher: configuration.bool("mirror_student", of: Self.self),
            heads: configuration.integer("heads", of: Self.self), depth: configuration.integer("depth", of: Self.self), using: &generator)
    }
}
