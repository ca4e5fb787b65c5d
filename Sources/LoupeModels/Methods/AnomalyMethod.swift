import LoupeData
import LoupeTensor

/// A selectable method (`loupe train --method NAME`): its name, what it is, the paper it
/// comes from, its settings, and how to build its network for a teacher.
///
/// A method lives in `Methods/<Name>/` and is listed once in `MethodRegistry`; the jobs,
/// the console and the metrics never name one.
public protocol AnomalyMethod: SendableMetatype {
    /// The name users type (`rd`, `rd-mff`).
    static var name: String { get }
    /// One line: what the method does.
    static var summary: String { get }
    /// The paper it comes from.
    static var paper: String { get }
    /// Its own settings beyond the shared training ones (ablation switches among them).
    static var settings: [MethodSetting] { get }

    /// The network for `teacher` (its backbones and their channels at strides 4, 8, 16),
    /// initialised from `configuration.seed`, with `configuration.settings` already checked.
    static func makeModel(teacher: TeacherLayout, configuration: TrainingConfiguration) -> any DistillationModel

    /// How many teachers this configuration may distil from (`--backbone A,B` names two):
    /// a student that reconstructs the teachers' features concatenated per scale takes one or two.
    static func teacherCounts(for configuration: TrainingConfiguration) -> ClosedRange<Int>

    /// The teachers when the user names none.
    static func defaultTeachers(for configuration: TrainingConfiguration) -> [BackboneName]

    /// The synthetic defects stage `stage` of this configuration trains on (nil: good images
    /// only). With a recipe, each step's batch also carries its images made defective
    /// (`TrainingBatch`). Stages may differ: a student and a segmentation head learn
    /// different things from the same kinds of defect.
    static func syntheticAnomalies(for configuration: TrainingConfiguration, stage: Int) -> SyntheticAnomalyRecipe?

    /// The paper's training recipe when this configuration follows it (`--paper-recipe`), else nil.
    static func paperRecipe(for configuration: TrainingConfiguration) -> PaperRecipe?

    /// The stages training goes through, their epochs summing to `configuration.epochs`;
    /// throws when the epochs cannot hold them.
    static func stages(for configuration: TrainingConfiguration) throws -> [TrainingStage]

    /// How an image's score comes from its map when the run does not say (`image_score`).
    static var imageScore: ImageScore { get }

    /// The values this configuration's anomaly maps take: the pixel metrics' bins and the
    /// 16-bit saved maps span it, so a map in [0, 1] uses every bin.
    static func mapRange(for configuration: TrainingConfiguration) -> ClosedRange<Float>
}

extension AnomalyMethod {
    public static func teacherCounts(for configuration: TrainingConfiguration) -> ClosedRange<Int> { 1...1 }

    public static func defaultTeachers(for configuration: TrainingConfiguration) -> [BackboneName] { [.efficientNetLite0] }

    public static func syntheticAnomalies(for configuration: TrainingConfiguration, stage: Int) -> SyntheticAnomalyRecipe? { nil }

    public static func paperRecipe(for configuration: TrainingConfiguration) -> PaperRecipe? { nil }

    /// One stage of every epoch.
    public static func stages(for configuration: TrainingConfiguration) throws -> [TrainingStage] {
        [TrainingStage(name: "training", epochs: configuration.epochs)]
    }

    public static var imageScore: ImageScore { .maximum }

    /// Three scales' 1 − cos, each in [0, 2], summed (`FeatureDistanceMap`).
    public static func mapRange(for configuration: TrainingConfiguration) -> ClosedRange<Float> { FeatureDistanceMap.range }
}
