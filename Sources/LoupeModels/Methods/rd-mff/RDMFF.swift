import LoupeTensor

/// `rd-mff`: reverse distillation with multi-scale feature fusion, a transformer filter, a
/// residual embedding and a heterogeneous residual student (paper 000: "two-stage ROI +
/// MFF/ViT student", §3.2, Figures 4–6, Table 3; its ablations, Table 9, are the switches
/// here). `--mirror-student` puts RD's decoder in the student's place: better on the
/// texture samples, worse on DeepPCB's real defects (docs/methods.md).
public enum RDMFF: AnomalyMethod {
    public static let name = "rd-mff"
    public static let summary = "multi-scale fusion, transformer filter, heterogeneous student"
    public static let paper = "paper 000 §3.2: feature aggregation and filtering module"
    static let mff = SettingKey("mff", default: true, help: "fuse the stride-4 and stride-8 scales into the deepest (off: the deepest scale alone)")
    static let transformer = SettingKey("transformer", default: true, help: "filter the fused grid with transformer encoder layers")
    static let mirrorStudent = SettingKey("mirror_student", default: false,
                                          help: "RD's decoder as the student instead of the trunk-and-heads residual one (docs/methods.md)")
    static let heads = SettingKey("heads", default: 4, help: "attention heads of the transformer filter", range: 1...8)
    static let depth = SettingKey("depth", default: 1, help: "transformer encoder layers (the paper uses one ViT block)", range: 1...4)
    static let recipe = PaperRecipe.paper000
    public static let settings = [mff.definition, transformer.definition, mirrorStudent.definition, heads.definition, depth.definition,
                                  recipe.setting.definition]

    public static func paperRecipe(for configuration: TrainingConfiguration) -> PaperRecipe? { recipe.chosen(in: configuration) }

    public static func makeModel(teacher: TeacherLayout, configuration: TrainingConfiguration) -> any DistillationModel {
        var generator = SeededGenerator(seed: configuration.seed)
        return MultiScaleFusionModel(
            channels: teacher.stageChannels, architecture: ReverseDistillationArchitecture(backbone: teacher.backbone),
            gridSize: max(1, configuration.imageSize / 16),
            fusesScales: configuration[mff], filters: configuration[transformer], mirrorsTeacher: configuration[mirrorStudent],
            heads: configuration[heads], depth: configuration[depth], using: &generator)
    }
}
