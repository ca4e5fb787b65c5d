import LoupeData
import LoupeTensor

/// `stu-seg`: a U-Net student with skip connections fused by a Selective Fusion Module,
/// distilled from a frozen teacher and read by a segmentation network ("Knowledge
/// Distillation with Selective Fusion Module for Industrial Defect Detection", Xi'an
/// University of Posts and Telecommunications: paper 004, abstract only).
///
/// The abstract gives the U-Net student, its skips (so small defects keep their edges) and
/// SFM; the rest is ours, shared with pfadseg (`DenoisingSegmentationTraining`): the student
/// learns from synthetic defects to give the teacher's features of the clean image, then a
/// light segmentation network (two plain residual blocks, RCM, a 1×1 head; width 2w) learns
/// the masks from the teacher–student discrepancy; its map is the anomaly map and an image's
/// score the mean of the map's 100 highest pixels. SFM is our reading (`SelectiveFusionModule`).
public enum StuSeg: DenoisingSegmentationMethod {
    public static let name = "stu-seg"
    public static let summary = "U-Net student with selective fusion + segmentation network"
    public static let paper = "paper 004: knowledge distillation with a selective fusion module"
    static let skips = SettingKey("skips", default: true, help: "skip connections from the student's encoder (--no-skips: a plain decoder)")
    static let sfm = SettingKey("sfm", default: true, help: "fuse skips by the selective fusion module (--no-sfm: a plain sum)")
    static let width = SettingKey("width", default: 32, help: "the student's first width (ResNet-18: 64)", range: 8...128)
    public static let settings = [skips.definition, sfm.definition, width.definition] + DenoisingSegmentationTraining.settings

    public static func makeModel(teacher: TeacherLayout, configuration: TrainingConfiguration) -> any DistillationModel {
        var generator = SeededGenerator(seed: configuration.seed)
        let width = configuration[width]
        let fusion: UNetDecoderLevel.Fusion = !configuration[skips] ? .noSkip : configuration[sfm] ? .selective : .sum
        let student = UNetStudent(width: width, teacherChannels: teacher.stageChannels, fusion: fusion, using: &generator)
        return DenoisingSegmentationTraining.makeModel(student: student, teacherChannels: teacher.stageChannels, width: 2 * width,
                                                       attention: PyramidAttention(parallelConvolutions: false, attentionalFusion: false),
                                                       rectangularContext: true, configuration: configuration, of: self, using: &generator)
    }
}
