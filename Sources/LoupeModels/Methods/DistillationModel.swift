import LoupeTensor

/// A method's trainable network: everything between the frozen teacher and the anomaly
/// map. Jobs train, check, save and score any method through this one contract.
public protocol DistillationModel: Module {
    /// The training loss of one batch of teacher features (one tensor per scale, stride 4,
    /// 8, 16), in training mode.
    func trainingLoss(teacherFeatures: [Tensor]) -> Tensor

    /// N×height×width anomaly maps before the blur (the blur is the run's: tiles are
    /// stitched first, then the frame is blurred once).
    func anomalyMaps(teacherFeatures: [Tensor], height: Int, width: Int) -> Tensor
}

/// A model whose student reconstructs the teacher's features (RD and the methods that
/// extend it): the loss and the map are RD's, Σ mean(1 − cos) and the per-scale 1 − cos
/// upsampled and summed, so a method only says how it reconstructs.
public protocol FeatureReconstructingModel: DistillationModel {
    /// Student features for teacher features (stride 4, 8, 16), in the same order.
    func callAsFunction(_ teacherFeatures: [Tensor]) -> [Tensor]
}

extension FeatureReconstructingModel {
    public func trainingLoss(teacherFeatures: [Tensor]) -> Tensor {
        reverseDistillationLoss(teacher: teacherFeatures, student: self(teacherFeatures))
    }

    public func anomalyMaps(teacherFeatures: [Tensor], height: Int, width: Int) -> Tensor {
        FeatureDistanceMap(height: height, width: width).unblurred(teacher: teacherFeatures, student: self(teacherFeatures))
    }
}
