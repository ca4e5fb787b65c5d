import LoupeData
import LoupeTensor

/// `sacd`: synthetic-anomaly contrastive distillation with feature calibration (Li et al.,
/// "Industrial Image Anomaly Detection via Synthetic-Anomaly Contrastive Distillation",
/// Sensors 25(12) 3721, 2025: paper 002).
///
/// RD's student, followed by FeaCali modules, learns from good images and their synthetic
/// defective twins: on both it must reproduce the teacher's features of the good image, and
/// inside a defect it is pushed away from what the teacher sees there. Choices the abstract
/// leaves open, and ours: FeaCali's layers (`FeatureCalibration`); the twins share weights
/// and go through as one batch; the contrastive pull holds the normal branch fixed; the
/// loss is good + 1.0 × defective + 0.1 × contrastive (the good branch's term is the unit;
/// `defective_weight` and `contrastive_weight` set the others) with margin 0.5; defects drawn
/// half DRAEM texture blends (`textures/`), a quarter CutPaste, a quarter scars.
public enum SACD: AnomalyMethod {
    public static let name = "sacd"
    public static let summary = "RD + FeaCali, trained on synthetic defects with a contrastive loss"
    public static let paper = "paper 002: Synthetic-Anomaly Contrastive Distillation, Sensors 2025"
    static let feacali = SettingKey("feacali", default: true, help: "calibrate the student's outputs with FeaCali (--no-feacali: plain RD student)")
    static let contrastive = SettingKey("contrastive", default: true, help: "the intra-model contrastive loss inside synthetic defects")
    static let synthetic = SettingKey("synthetic", default: true, help: "train on synthetic defects too (--no-synthetic: RD plus FeaCali)")
    static let defectiveWeight = SettingKey("defective_weight", default: 1.0,
                                            help: "weight of the distillation loss on the defective twins (the good images' weighs 1)", range: 0...10)
    static let contrastiveWeight = SettingKey("contrastive_weight", default: 0.1, help: "weight of the contrastive loss", range: 0...10)
    static let margin = SettingKey("margin", default: 0.5, help: "cosine similarity to the teacher inside a defect above which it is pushed", range: -1...1)
    static let defects = SyntheticDefectShares(textureBlend: 0.5, cutPaste: 0.25, scar: 0.25)
    public static let settings = [feacali, contrastive, synthetic].map(\.definition)
        + [defectiveWeight, contrastiveWeight, margin].map(\.definition) + defects.definitions

    /// Two teachers (`--backbone A,B`): the student reconstructs their features concatenated per scale.
    public static func teacherCounts(for configuration: TrainingConfiguration) -> ClosedRange<Int> { 1...2 }

    public static func makeModel(teacher: TeacherLayout, configuration: TrainingConfiguration) -> any DistillationModel {
        let distillation = ReverseDistillationModel(teacher: teacher, seed: configuration.seed)
        var generator = SeededGenerator(seed: configuration.seed &+ 0xFEAC_A11)
        return SyntheticContrastiveModel(distillation: distillation, channels: teacher.stageChannels,
                                         calibrates: configuration[feacali], defectiveWeight: Float(configuration[defectiveWeight]),
                                         contrastiveWeight: Float(configuration[contrastiveWeight]), margin: Float(configuration[margin]),
                                         usesContrastive: configuration[contrastive], using: &generator)
    }

    public static func syntheticAnomalies(for configuration: TrainingConfiguration, stage: Int) -> SyntheticAnomalyRecipe? {
        configuration[synthetic] ? defects.recipe(configuration) : nil
    }
}
