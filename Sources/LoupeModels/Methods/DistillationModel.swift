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
