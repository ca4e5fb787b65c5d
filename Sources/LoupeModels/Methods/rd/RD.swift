import LoupeTensor

/// `rd`: Reverse Distillation, the baseline every paper method extends (Deng & Li,
/// "Anomaly Detection via Reverse Distillation from One-Class Embedding", CVPR 2022).
public enum RD: AnomalyMethod {
    public static let name = "rd"
    public static let summary = "teacher, one-class bottleneck, reverse student decoder"
    public static let paper = "Deng & Li, Reverse Distillation from One-Class Embedding, CVPR 2022"
    public static let settings: [MethodSetting] = []

    public static func makeModel(teacher: TeacherLayout, configuration: TrainingConfiguration) -> any DistillationModel {
        ReverseDistillationModel(teacher: teacher, seed: configuration.seed)
    }
}

extension ReverseDistillationModel: FeatureReconstructingModel {}
