import LoupeTensor

/// A method's trainable network: everything between the frozen teacher and the anomaly
/// map. Jobs train, check, save and score any method through this one contract.
public protocol DistillationModel: Module {
    /// The training loss of one batch, in training mode.
    func trainingLoss(_ batch: TrainingBatch) -> Tensor

    /// N×height×width anomaly maps before the blur (the blur is the run's: tiles are
    /// stitched first, then the frame is blurred once).
    func anomalyMaps(teacherFeatures: [Tensor], height: Int, width: Int) -> Tensor
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
    public func trainingLoss(_ batch: TrainingBatch) -> Tensor {
        reverseDistillationLoss(teacher: batch.teacherFeatures, student: self(batch.teacherFeatures))
    }

    public func anomalyMaps(teacherFeatures: [Tensor], height: Int, width: Int) -> Tensor {
        FeatureDistanceMap(height: height, width: width).unblurred(teacher: teacherFeatures, student: self(teacherFeatures))
    }
}
