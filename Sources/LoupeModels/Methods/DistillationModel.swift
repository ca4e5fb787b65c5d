import LoupeTensor

/// A method's trainable network: everything between the frozen teacher and the anomaly
/// map. Jobs train, check, save and score any method through this one contract.
public protocol DistillationModel: Module {
    /// The training loss of one batch, in training mode.
    func trainingLoss(_ batch: TrainingBatch) -> TrainingLoss

    /// N×height×width anomaly maps before the blur (the blur is the run's: tiles are
    /// stitched first, then the frame is blurred once). `images` are the normalised inputs
    /// the teacher saw (N×3×height×width), for students that read images themselves.
    func anomalyMaps(images: Tensor, teacherFeatures: [Tensor], height: Int, width: Int) -> Tensor

    /// The anomaly maps and, when an image's score reads another map, that map too (one
    /// pass for both: stu-seg `--student-map` shows the student's map and scores images by
    /// its segmentation network's).
    func scoringMaps(images: Tensor, teacherFeatures: [Tensor], height: Int, width: Int) -> ScoringMaps

    /// Whether the student reads the images itself, not only the teacher's features: then
    /// every training batch carries them (`TrainingBatch.images`).
    var readsImages: Bool { get }

    /// What stage `stage` (an index into the method's `AnomalyMethod.stages`) trains, and how.
    func optimization(forStage stage: Int, configuration: TrainingConfiguration) -> StageOptimization
    /// How a network frozen through stage `stage` turns good images (N×3×H×W, unaugmented)
    /// into features (one tensor per scale, N rows), or nil when no such network is read:
    /// they are the same for an image all stage long, so the job computes them once and
    /// passes them back (`TrainingBatch.frozenFeatures`) instead of every epoch.
    func frozenFeatures(forStage stage: Int) -> ((Tensor) -> [Tensor])?
}

extension DistillationModel {
    public var readsImages: Bool { false }

    /// Nothing frozen to keep.
    public func frozenFeatures(forStage stage: Int) -> ((Tensor) -> [Tensor])? { nil }

    /// The anomaly maps score the images too.
    public func scoringMaps(images: Tensor, teacherFeatures: [Tensor], height: Int, width: Int) -> ScoringMaps {
        ScoringMaps(anomaly: anomalyMaps(images: images, teacherFeatures: teacherFeatures, height: height, width: width))
    }

    /// One stage: Adam over every parameter at the run's learning rate and betas.
    public func optimization(forStage stage: Int, configuration: TrainingConfiguration) -> StageOptimization {
        StageOptimization(groups: [ParameterGroup(parameters: parameters, learningRate: configuration.learningRate)],
                          rule: .adam(betas: (configuration.beta1, configuration.beta2)))
    }
}

/// A named part of training with its own epochs, parameters and optimiser (pfadseg trains
/// its student, then freezes it and trains a segmentation network).
public struct TrainingStage: Sendable, Equatable {
    public let name: String
    public let epochs: Int

    public init(name: String, epochs: Int) {
        self.name = name
        self.epochs = epochs
    }

    /// The stage that 1-based `epoch` belongs to, and the epoch's index inside it.
    public static func locate(epoch: Int, in stages: [TrainingStage]) -> (stage: Int, epochInStage: Int) {
        var start = 0
        for (index, stage) in stages.enumerated() {
            if epoch <= start + stage.epochs { return (index, epoch - start - 1) }
            start += stage.epochs
        }
        return (max(0, stages.count - 1), epoch - 1)
    }
}

/// Parameters trained at one base learning rate (the schedule scales it).
public struct ParameterGroup {
    public let parameters: [Parameter]
    public let learningRate: Float

    public init(parameters: [Parameter], learningRate: Float) {
        self.parameters = parameters
        self.learningRate = learningRate
    }
}

/// How a stage trains: its parameter groups and the update rule every group uses.
public struct StageOptimization {
    public enum Rule {
        case adam(betas: (Float, Float))
        /// `torch.optim.SGD` with momentum and L2 weight decay.
        case sgd(momentum: Float, weightDecay: Float)
    }

    public let groups: [ParameterGroup]
    public let rule: Rule

    public init(groups: [ParameterGroup], rule: Rule) {
        self.groups = groups
        self.rule = rule
    }

    /// One optimiser per group, at the group's base learning rate.
    public func makeOptimizers() -> [any Optimizer] {
        groups.map { group in
            switch rule {
            case let .adam(betas): return Adam(parameters: group.parameters, learningRate: group.learningRate, betas: betas)
            case let .sgd(momentum, weightDecay):
                return StochasticGradientDescent(parameters: group.parameters, learningRate: group.learningRate,
                                                 momentum: momentum, weightDecay: weightDecay)
            }
        }
    }
}

/// A training step's loss: the tensor minimised, and the parts it sums, named for the log and
/// the console (none when it is a single term).
public struct TrainingLoss {
    public let total: Tensor
    public let terms: [LossTerm]

    public init(_ total: Tensor, terms: [LossTerm] = []) {
        self.total = total
        self.terms = terms
    }
}

/// One named part of a training loss.
public struct LossTerm: Sendable, Equatable {
    public let name: String
    public let value: Float

    /// The name of the part measured on the good images alone: what evaluation mode can
    /// measure again (`RunningStatisticsCheck` compares against it).
    public static let goodImages = "good"

    public init(_ name: String, _ value: Float) {
        self.name = name
        self.value = value
    }

    /// " (good 1.2345 · defective 0.8000 · contrastive 0.0100)", or "" for a single-term loss.
    public static func describe(_ terms: [LossTerm]) -> String {
        terms.isEmpty ? "" : " (" + terms.map { $0.name + " " + String(format: "%.4f", $0.value) }.joined(separator: " · ") + ")"
    }
}

extension Array where Element == LossTerm {
    /// The good-image part among these terms, else the whole `loss` (a single-term loss).
    public func goodImages(of loss: Float) -> Float { first { $0.name == LossTerm.goodImages }?.value ?? loss }
}

/// One training step's inputs: the teacher's features of good images and, for methods that
/// learn from synthetic defects (`AnomalyMethod.syntheticAnomalies`), the same images made
/// defective.
public struct TrainingBatch {
    /// The teacher's features of the good images, one tensor per scale (stride 4, 8, 16).
    public let teacherFeatures: [Tensor]
    public let synthetic: SyntheticAnomalyBatch?
    /// The normalised good images (N×3×H×W), for models that read images (`readsImages`).
    public let images: Tensor?
    /// The training stage (index into `AnomalyMethod.stages`).
    public let stage: Int
    /// `DistillationModel.frozenFeatures(forStage:)` of `images`, as the job computed them
    /// (nil: the model computes them itself).
    public let frozenFeatures: [Tensor]?

    public init(teacherFeatures: [Tensor], synthetic: SyntheticAnomalyBatch? = nil, images: Tensor? = nil, stage: Int = 0,
                frozenFeatures: [Tensor]? = nil) {
        self.teacherFeatures = teacherFeatures
        self.synthetic = synthetic
        self.images = images
        self.stage = stage
        self.frozenFeatures = frozenFeatures
    }
}

/// The batch's images with synthetic defects, image for image.
public struct SyntheticAnomalyBatch {
    /// N×1×H×W at input resolution: 1 inside the defect, 0 elsewhere.
    public let masks: Tensor
    /// The normalised defective images (N×3×H×W).
    public let images: Tensor?
    private let features: TeacherFeaturesOnDemand

    public init(teacherFeatures: [Tensor], masks: Tensor, images: Tensor? = nil) {
        self.init(masks: masks, images: images) { teacherFeatures }
    }

    /// The teacher runs on the defective images only if the loss asks for its features
    /// (pfadseg's student stage does not).
    public init(masks: Tensor, images: Tensor?, teacherFeatures: @escaping () -> [Tensor]) {
        self.masks = masks
        self.images = images
        features = TeacherFeaturesOnDemand(teacherFeatures)
    }

    /// The teacher's features of the defective images (stride 4, 8, 16).
    public var teacherFeatures: [Tensor] { features.value }
}

/// Features computed on first use, once.
private final class TeacherFeaturesOnDemand {
    private var make: (() -> [Tensor])?
    private var made: [Tensor]?

    init(_ make: @escaping () -> [Tensor]) { self.make = make }

    var value: [Tensor] {
        if let made { return made }
        let features = make?() ?? []
        (made, make) = (features, nil)
        return features
    }
}

/// A model whose student reconstructs the teacher's features (RD and the methods that
/// extend it): the loss and the map are RD's, Σ mean(1 − cos) and the per-scale 1 − cos
/// upsampled and summed, so a method only says how it reconstructs.
public protocol FeatureReconstructingModel: DistillationModel {
    /// Student features for teacher features (stride 4, 8, 16), in the same order.
    func callAsFunction(_ teacherFeatures: [Tensor]) -> [Tensor]
}

extension FeatureReconstructingModel {
    public func trainingLoss(_ batch: TrainingBatch) -> TrainingLoss {
        TrainingLoss(reverseDistillationLoss(teacher: batch.teacherFeatures, student: self(batch.teacherFeatures)))
    }

    public func anomalyMaps(images: Tensor, teacherFeatures: [Tensor], height: Int, width: Int) -> Tensor {
        FeatureDistanceMap(height: height, width: width).unblurred(teacher: teacherFeatures, student: self(teacherFeatures))
    }
}
