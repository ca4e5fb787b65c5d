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
public enum PFADSeg: DenoisingSegmentationMethod {
    public static let name = "pfadseg"
    public static let summary = "denoising student + segmentation network, on synthetic defects"
    public static let paper = "paper 003: PFADSeg, denoising guided segmentation (PCAR, AFF, RCM)"
    static let pcar = SettingKey("pcar", default: true, help: "PCAR in place of each block's second 3×3 conv (--no-pcar: the plain conv)")
    static let aff = SettingKey("aff", default: true, help: "attentional feature fusion in place of each block's residual sum (--no-aff: the sum)")
    static let rcm = SettingKey("rcm", default: true, help: "RCM in the segmentation head (--no-rcm: DeSTSeg's ASPP)")
    static let width = SettingKey("width", default: 32, help: "the student's first width (ResNet-18: 64)", range: 8...128)
    public static let settings = [pcar, aff, rcm].map(\.definition) + [width.definition] + DenoisingSegmentationTraining.settings

    public static func makeModel(teacher: TeacherLayout, configuration: TrainingConfiguration) -> any DistillationModel {
        var generator = SeededGenerator(seed: configuration.seed)
        let attention = PyramidAttention(parallelConvolutions: configuration[pcar],
                                         attentionalFusion: configuration[aff])
        let width = configuration[width]
        let student = DenoisingStudent(width: width, teacherChannels: teacher.stageChannels, attention: attention, using: &generator)
        return DenoisingSegmentationTraining.makeModel(student: student, teacherChannels: teacher.stageChannels, width: 2 * width, attention: attention,
                                                       rectangularContext: configuration[rcm], configuration: configuration,
                                                       of: self, using: &generator)
    }
}
