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
public enum SyntheticContrastiveDistillation: AnomalyMethod {
    public static let name = "sacd"
    public static let summary = "RD + FeaCali, trained on synthetic defects with a contrastive loss"
    public static let paper = "paper 002: Synthetic-Anomaly Contrastive Distillation, Sensors 2025"
    public static let settings: [MethodSetting] = [
        MethodSetting("feacali", default: .bool(true), help: "calibrate the student's outputs with FeaCali (--no-feacali: plain RD student)"),
        MethodSetting("contrastive", default: .bool(true), help: "the intra-model contrastive loss inside synthetic defects"),
        MethodSetting("synthetic", default: .bool(true), help: "train on synthetic defects too (--no-synthetic: RD plus FeaCali)"),
        MethodSetting("defective_weight", default: .real(1), help: "weight of the distillation loss on the defective twins (the good images' weighs 1)", range: 0...10),
        MethodSetting("contrastive_weight", default: .real(0.1), help: "weight of the contrastive loss", range: 0...10),
        MethodSetting("margin", default: .real(0.5), help: "cosine similarity to the teacher inside a defect above which it is pushed", range: -1...1),
        MethodSetting("texture_blend", default: .real(0.5), help: "share of DRAEM texture-blend defects", range: 0...1),
        MethodSetting("cut_paste", default: .real(0.25), help: "share of CutPaste defects", range: 0...1),
        MethodSetting("scar", default: .real(0.25), help: "share of scar defects", range: 0...1),
    ]

    public static func makeModel(teacher: TeacherLayout, configuration: TrainingConfiguration) -> any DistillationModel {
        let distillation = ReverseDistillationModel(teacher: teacher, seed: configuration.seed)
        var generator = SeededGenerator(seed: configuration.seed &+ 0xFEAC_A11)
        return SyntheticContrastiveModel(distillation: distillation, channels: teacher.stageChannels,
                                         calibrates: configuration.bool("feacali", of: self),
                                         defectiveWeight: Float(configuration.real("defective_weight", of: self)),
                                         contrastiveWeight: Float(configuration.real("contrastive_weight", of: self)),
                                         margin: Float(configuration.real("margin", of: self)),
                                         usesContrastive: configuration.bool("contrastive", of: self), using: &generator)
    }

    public static func syntheticAnomalies(for configuration: TrainingConfiguration) -> SyntheticAnomalyRecipe? {
        configuration.bool("synthetic", of: self) ? SyntheticAnomalyRecipe(shares: configuration, of: self) : nil
    }
}
