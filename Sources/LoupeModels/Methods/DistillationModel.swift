import LoupeTensor

/// A method's trainable network: everything between the frozen teacher and the anomaly
/// map. Jobs train, check, save and score any method through this one contract.
public protocol DistillationModel: Module {
    /// The training loss of one batch, in training mode.
    func trainingLoss(_ batch: TrainingBatch) -> TrainingLoss

    /// N×height×width anomaly maps before the blur (the blur is the run's: tiles are
    /// stitched first, then the frame is blurred once).
    func anomalyMaps(teacherFeatures: [Tensor], height: Int, width: Int) -> Tensor
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

    public init(teacherFeatures: [Tensor], synthetic: SyntheticAnomalyBatch? = nil) {
        self.teacherFeatures = teacherFeatures
        self.synthetic = synthetic
    }
}

/// The batch's images with synthetic defects, image for image.
public struct SyntheticAnomalyBatch {
    /// The teacher's features of the defective images (stride 4, 8, 16).
    public let teacherFeatures: [Tensor]
    /// N×1×H×W at input resolution: 1 inside the defect, 0 elsewhere.
    public let masks: Tensor

    public init(teacherFeatures: [Tensor], masks: Tensor) {
        self.teacherFeatures = teacherFeatures
        self.masks = masks
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

    public func anomalyMaps(teacherFeatures: [Tensor], height: Int, width: Int) -> Tensor {
        FeatureDistanceMap(height: height, width: width).unblurred(teacher: teacherFeatures, student: self(teacherFeatures))
    }
}
