import LoupeData
import LoupeTensor

/// `pfadseg`: a denoising student and a segmentation network that reads the teacher–student
/// discrepancy ("Teacher Encoder-Student Decoder Denoising Guided Segmentation Network for
/// Anomaly Detection", PFADSeg: paper 003, §3, Figures 2–4, Tables 2–4; built on DeSTSeg,
/// Zhang et al. CVPR 2023).
///
/// Two stages. First the student (`DenoisingStudent`: PA_Residual blocks with PCAR and AFF)
/// sees images with synthetic defects and learns to give the teacher's features of the clean
/// image. Then, teacher and student frozen, the segmentation network (`SegmentationNetwork`,
/// with RCM) learns the defects' masks from their discrepancy; its probability map,
/// upsampled and blurred, is the anomaly map, and an image's score is the mean of the map's
/// 100 highest pixels (DeSTSeg's: steadier than the maximum of a map that is near 0 or 1).
/// Choices the paper leaves open, and ours: PCAR's three convolutions are 3×3 dilated 1, 2,
/// 3; the student's widths are half ResNet-18's (`width` 32); a 1×1 projection meets the
/// teacher's channels; the segmentation stage also sees the good images (mask all zero);
/// the segmentation network trains for 57 % of the run's epochs (the paper's 4000 of 7000 steps).
public enum PFADSeg: AnomalyMethod {
    public static let name = "pfadseg"
    public static let summary = "denoising student + segmentation network, on synthetic defects"
    public static let paper = "paper 003: PFADSeg, denoising guided segmentation (PCAR, AFF, RCM)"
    public static let settings: [MethodSetting] = [
        MethodSetting("pcar", default: .bool(true), help: "PCAR in place of each block's second 3×3 conv (--no-pcar: the plain conv)"),
        MethodSetting("aff", default: .bool(true), help: "attentional feature fusion in place of each block's residual sum (--no-aff: the sum)"),
        MethodSetting("rcm", default: .bool(true), help: "RCM in the segmentation head (--no-rcm: DeSTSeg's ASPP)"),
        MethodSetting("segmentation", default: .bool(true),
                      help: "train the segmentation network as stage 2 (--no-segmentation: one stage, map = summed cosine distances)"),
        MethodSetting("segmentation_share", default: .real(0.57), help: "share of the epochs that train the segmentation network, stage 2 (the paper: 4000 of 7000 steps)",
                      range: 0.05...0.95),
        MethodSetting("width", default: .integer(32), help: "the student's first width (ResNet-18: 64)", range: 8...128),
        MethodSetting("student_lr", default: .real(0.5), help: "SGD learning rate of the student (stage 1)", range: 0...10),
        MethodSetting("segmentation_lr", default: .real(0.1), help: "SGD learning rate of the segmentation network's residual blocks", range: 0...10),
        MethodSetting("head_lr", default: .real(0.01), help: "SGD learning rate of the segmentation head (RCM and the last convolutions)", range: 0...10),
        MethodSetting("focal_gamma", default: .real(4), help: "focusing parameter γ of the focal loss", range: 0...10),
        MethodSetting("texture_blend", default: .real(1), help: "share of DRAEM texture-blend defects (the paper's only kind)", range: 0...1),
        MethodSetting("cut_paste", default: .real(0), help: "share of CutPaste defects", range: 0...1),
        MethodSetting("scar", default: .real(0), help: "share of scar defects", range: 0...1),
    ]

    public static let imageScore = ImageScore.topMean(100)

    public static func makeModel(backbone: BackboneName, teacherChannels: [Int], configuration: TrainingConfiguration) -> any DistillationModel {
        var generator = SeededGenerator(seed: configuration.seed)
        let attention = PyramidAttention(parallelConvolutions: configuration.bool("pcar", of: self),
                                         attentionalFusion: configuration.bool("aff", of: self))
        let channels = Array(teacherChannels.prefix(3))
        let width = configuration.integer("width", of: self)
        let student = DenoisingStudent(width: width, teacherChannels: channels, attention: attention, using: &generator)
        let segmentation = configuration.bool("segmentation", of: self)
            ? SegmentationNetwork(inChannels: channels.reduce(0, +), width: 2 * width, attention: attention,
                                  rectangularContext: configuration.bool("rcm", of: self), using: &generator) : nil
        return PFADSegModel(student: student, segmentation: segmentation,
                            learningRates: .init(student: Float(configuration.real("student_lr", of: self)),
                                                 residual: Float(configuration.real("segmentation_lr", of: self)),
                                                 head: Float(configuration.real("head_lr", of: self))),
                            focalGamma: Float(configuration.real("focal_gamma", of: self)))
    }

    public static func syntheticAnomalies(for configuration: TrainingConfiguration) -> SyntheticAnomalyRecipe? {
        let weights = ["texture_blend", "cut_paste", "scar"].map { Float(configuration.real($0, of: self)) }
        guard weights.reduce(0, +) > 0 else { return nil }
        return SyntheticAnomalyRecipe(textureBlend: weights[0], cutPaste: weights[1], scar: weights[2])
    }

    public static func stages(for configuration: TrainingConfiguration) throws -> [TrainingStage] {
        guard syntheticAnomalies(for: configuration) != nil else {
            throw MethodError.stagesDoNotFit(method: name, detail: "the student learns from synthetic defects: give --texture-blend, --cut-paste or --scar a share above 0")
        }
        guard configuration.bool("segmentation", of: self) else { return [TrainingStage(name: "student", epochs: configuration.epochs)] }
        guard configuration.epochs >= 2 else {
            throw MethodError.stagesDoNotFit(method: name, detail: "it trains the student, then the segmentation network: give --epochs 2 or more (or --no-segmentation)")
        }
        let share = configuration.real("segmentation_share", of: self)
        let segmentation = min(configuration.epochs - 1, max(1, Int((Double(configuration.epochs) * share).rounded())))
        return [TrainingStage(name: "student", epochs: configuration.epochs - segmentation), TrainingStage(name: "segmentation", epochs: segmentation)]
    }
}
