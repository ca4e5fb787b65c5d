import LoupeData
import LoupeTensor

/// A two-stage synthetic-defect method (pfadseg, stu-seg): its defects, stages and image
/// score are the shared ones; the method says only how its student is built.
protocol DenoisingSegmentationMethod: AnomalyMethod {}

extension DenoisingSegmentationMethod {
    public static func syntheticAnomalies(for configuration: TrainingConfiguration, stage: Int) -> SyntheticAnomalyRecipe? {
        DenoisingSegmentationTraining.syntheticAnomalies(for: configuration, stage: stage)
    }

    public static func stages(for configuration: TrainingConfiguration) throws -> [TrainingStage] {
        try DenoisingSegmentationTraining.stages(for: configuration, of: self)
    }

    /// Two teachers (`--backbone A,B`): the student reconstructs their features concatenated
    /// per scale, and the segmentation network reads the discrepancy of both.
    public static func teacherCounts(for configuration: TrainingConfiguration) -> ClosedRange<Int> { 1...2 }

    /// The mean of the map's 100 highest pixels (DeSTSeg's T): a map of probabilities is
    /// flat near 0 or 1, where the single maximum ranks images poorly.
    public static var imageScore: ImageScore { .topMean(100) }

    /// Probabilities (the segmentation network's) or their mean with the student's scaled
    /// map (`--fused-map`), unless the student's map is shown (`--student-map`) or there is
    /// no segmentation network (`--no-segmentation`).
    public static func mapRange(for configuration: TrainingConfiguration) -> ClosedRange<Float> {
        switch DenoisingSegmentationTraining.map(for: configuration) {
        case .student, .studentScoredByHead: FeatureDistanceMap.range
        case .head, .fused: 0...1
        }
    }
}

/// What the two-stage synthetic-defect methods (pfadseg, stu-seg) share beyond the network:
/// their training settings, the stage split, the defect recipe and how the model is put
/// together around a method's student.
enum DenoisingSegmentationTraining {
    static let segmentation = SettingKey("segmentation", default: true,
                                         help: "train the segmentation network as stage 2 (--no-segmentation: one stage, map = summed cosine distances)")
    static let studentMap = SettingKey("student_map", default: false,
                                       help: "show and measure the student's discrepancy map; score images by the segmentation network's (each part where it reads real defects best)",
                                       scoringOnly: true)
    static let fusedMap = SettingKey("fused_map", default: false,
                                     help: "show and measure the mean of the segmentation network's probabilities and the student's map divided by its range (6), each part where it is surest; score images by the network's (with it --student-map has no effect)",
                                     scoringOnly: true)
    static let segmentationShare = SettingKey("segmentation_share", default: 0.57,
                                              help: "share of the epochs that train the segmentation network, stage 2 (paper 003: 4000 of 7000 steps)", range: 0.05...0.95)
    static let studentRate = SettingKey("student_lr", default: 0.5, help: "SGD learning rate of the student (stage 1)", range: 0...10)
    static let segmentationRate = SettingKey("segmentation_lr", default: 0.1, help: "SGD learning rate of the segmentation network's residual blocks", range: 0...10)
    static let headRate = SettingKey("head_lr", default: 0.01, help: "SGD learning rate of the segmentation head (its context module and last convolutions)",
                                     range: 0...10)
    static let focalGamma = SettingKey("focal_gamma", default: 4.0, help: "focusing parameter γ of the focal loss", range: 0...10)
    /// The student's defects, and apart from them the segmentation network's: on DeepPCB
    /// tiles CutPaste and scars sharpen the student's map but unsettle the network's verdict.
    static let defects = SyntheticDefectShares(textureBlend: 1, cutPaste: 0, scar: 0)
    static let segmentationDefects = SyntheticDefectShares(textureBlend: 1, cutPaste: 0, scar: 0, learner: "segmentation")

    /// The settings every such method has (each method adds its own before them).
    static let settings = [segmentation, studentMap, fusedMap].map(\.definition)
        + [segmentationShare, studentRate, segmentationRate, headRate, focalGamma].map(\.definition)
        + defects.definitions + segmentationDefects.definitions

    /// The map a configuration shows and measures (`DenoisingSegmentationModel.MapKind`).
    static func map(for configuration: TrainingConfiguration) -> DenoisingSegmentationModel.MapKind {
        guard configuration[segmentation] else { return .student }
        if configuration[fusedMap] { return .fused }
        return configuration[studentMap] ? .studentScoredByHead : .head
    }

    /// Stage 0 (the student) draws `defects`, stage 1 (the segmentation network) `segmentationDefects`.
    static func syntheticAnomalies(for configuration: TrainingConfiguration, stage: Int) -> SyntheticAnomalyRecipe? {
        (stage == 0 ? defects : segmentationDefects).recipe(configuration)
    }

    /// The student, then the segmentation network (`segmentation_share` of the epochs, at
    /// least one each); the student alone with `--no-segmentation`.
    static func stages(for configuration: TrainingConfiguration, of method: any AnomalyMethod.Type) throws -> [TrainingStage] {
        guard defects.recipe(configuration) != nil else {
            throw MethodError.stagesDoNotFit(method: method.name, detail: "the student learns from synthetic defects: give \(defects.optionNames) a share above 0")
        }
        guard configuration[segmentation] else { return [TrainingStage(name: "student", epochs: configuration.epochs)] }
        guard segmentationDefects.recipe(configuration) != nil else {
            throw MethodError.stagesDoNotFit(method: method.name,
                                             detail: "the segmentation network learns from synthetic defects: give \(segmentationDefects.optionNames) a share above 0")
        }
        guard configuration.epochs >= 2 else {
            throw MethodError.stagesDoNotFit(method: method.name, detail: "it trains the student, then the segmentation network: give --epochs 2 or more (or --no-segmentation)")
        }
        let share = configuration[segmentationShare]
        let segmentation = min(configuration.epochs - 1, max(1, Int((Double(configuration.epochs) * share).rounded())))
        return [TrainingStage(name: "student", epochs: configuration.epochs - segmentation), TrainingStage(name: "segmentation", epochs: segmentation)]
    }

    /// The model around `student`, with a segmentation network of `width` channels unless ablated.
    static func makeModel(student: any ImageStudent, teacherChannels: [Int], width: Int, attention: PyramidAttention, rectangularContext: Bool,
                          configuration: TrainingConfiguration, of method: any AnomalyMethod.Type,
                          using generator: inout SeededGenerator) -> DenoisingSegmentationModel {
        let segmentation = configuration[segmentation]
            ? SegmentationNetwork(inChannels: teacherChannels.prefix(3).reduce(0, +), width: width, attention: attention,
                                  rectangularContext: rectangularContext, using: &generator) : nil
        return DenoisingSegmentationModel(student: student, segmentation: segmentation,
                                          learningRates: .init(student: Float(configuration[studentRate]), residual: Float(configuration[segmentationRate]),
                                                               head: Float(configuration[headRate])),
                                          focalGamma: Float(configuration[focalGamma]), map: map(for: configuration))
    }
}
