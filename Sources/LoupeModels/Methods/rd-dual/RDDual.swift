import LoupeTensor

/// `rd-dual`: reverse distillation from two pretrained teachers of different architectures,
/// their channels weighed by attention and fused iteratively, into a student that is not a
/// mirror of either (paper 001: "dual-teacher MAFFM", §3, Figures 1–2; its ablations,
/// Table 7, are the switches here).
///
/// The student reconstructs both teachers' features concatenated per scale (the paper's
/// 320/640/1280 channels are Wide-ResNet-50's and ResNet-34's summed), so the loss, the map
/// and the feature cache are RD's; MSCAM, MFF, iAFF and OCE only shape the code the student
/// decodes from. Default teachers: EfficientNet-Lite0 and Lite2 (the shipped pair; the
/// paper's ResNet-34 and Wide-ResNet-50-2 with `--backbone resnet34,wide_resnet50_2
/// --weights A.pth,B.pth`).
public enum RDDual: AnomalyMethod {
    public static let name = "rd-dual"
    public static let summary = "two teachers fused by attention, non-mirror student"
    public static let paper = "paper 001 §3: MAFFM (dual-teacher fusion) and its student"
    static let singleTeacher = SettingKey("single_teacher", default: false,
                                          help: "distil from the first teacher alone (MSCAM, MFF, OCE and the paper's student kept; no iAFF)")
    static let mscam = SettingKey("mscam", default: true, help: "weigh each teacher's channels with MSCAM attention before fusing")
    static let iaff = SettingKey("iaff", default: true, help: "fuse the two teachers with iAFF (off: plain concatenation)")
    static let mirrorStudent = SettingKey("mirror_student", default: false, help: "RD's decoder as the student instead of the paper's")
    static let reduction = SettingKey("reduction", default: 4, help: "MSCAM's and iAFF's channel reduction ratio r (Table 6)", range: 1...64)
    static let recipe = PaperRecipe.paper001
    public static let settings = [singleTeacher, mscam, iaff, mirrorStudent].map(\.definition) + [reduction.definition, recipe.setting.definition]

    public static func paperRecipe(for configuration: TrainingConfiguration) -> PaperRecipe? { recipe.chosen(in: configuration) }

    public static func teacherCounts(for configuration: TrainingConfiguration) -> ClosedRange<Int> {
        configuration[singleTeacher] ? 1...1 : 2...2
    }

    public static func defaultTeachers(for configuration: TrainingConfiguration) -> [BackboneName] {
        configuration[singleTeacher] ? [.efficientNetLite0] : [.efficientNetLite0, .efficientNetLite2]
    }

    public static func makeModel(teacher: TeacherLayout, configuration: TrainingConfiguration) -> any DistillationModel {
        var generator = SeededGenerator(seed: configuration.seed)
        return DualTeacherModel(teacher: teacher, weighsChannels: configuration[mscam],
                                fusesIteratively: configuration[iaff],
                                mirrorsTeacher: configuration[mirrorStudent],
                                reduction: configuration[reduction], using: &generator)
    }
}
