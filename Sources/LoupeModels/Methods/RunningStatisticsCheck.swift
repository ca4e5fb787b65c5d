import LoupeTensor

/// After training: do the BatchNorm running statistics still describe the final network?
/// If not, they are replaced by precise ones (`recalibrateBatchNorms`).
///
/// Running statistics average the last few dozen steps' batches. When the weights jump late
/// in training they describe an earlier network, and the evaluation-mode student matches
/// the teacher far worse than training did: in one texture run of three, loss 1.66 in
/// evaluation mode against 0.95 in training, and pixel AUROC 64 instead of 83 (84 after
/// recalibration). Healthy runs evaluate within a few percent of their training loss, and
/// there the moving average scored as well as or better than precise statistics, so only
/// stale statistics are replaced. The check costs one evaluation-mode pass over the
/// training features.
public struct RunningStatisticsCheck: Sendable, Equatable {
    /// Evaluation-mode loss above this multiple of the final epoch's training loss marks
    /// the statistics stale (healthy runs measured 0.8–1.05, the stale one 1.74).
    public static let staleRatio: Float = 1.25

    /// Mean training loss of the final epoch (training mode, batch statistics), on the good
    /// images alone (`LossTerm.goodImages`) for methods whose loss has more parts.
    public let trainingLoss: Float
    /// Mean loss over the training set with the running statistics (evaluation mode).
    public let evaluationLoss: Float
    /// The same after recalibration, when the statistics were stale.
    public let recalibratedLoss: Float?

    public var wasStale: Bool { recalibratedLoss != nil }

    public init(trainingLoss: Float, evaluationLoss: Float, recalibratedLoss: Float?) {
        self.trainingLoss = trainingLoss
        self.evaluationLoss = evaluationLoss
        self.recalibratedLoss = recalibratedLoss
    }

    /// Measures `model` on the `batchCount` batches `features(i)` gives (teacher features,
    /// one tensor per scale) and recalibrates when stale; the model is left in training mode.
    public static func run(on model: any DistillationModel, trainingLoss: Float, batchCount: Int,
                           features: (Int) throws -> [Tensor]) rethrows -> RunningStatisticsCheck {
        let (evaluationLoss, batchSizes) = try meanLoss(of: model, batchCount: batchCount, features: features)
        var recalibratedLoss: Float?
        if evaluationLoss > staleRatio * trainingLoss {
            // Batch by batch, as training fed them: never a second copy of every feature.
            try model.recalibrateBatchNorms(batchSizes: batchSizes) { _ = model.trainingLoss(TrainingBatch(teacherFeatures: try features($0))).total }
            recalibratedLoss = try meanLoss(of: model, batchCount: batchCount, features: features).loss
        }
        model.train()
        return RunningStatisticsCheck(trainingLoss: trainingLoss, evaluationLoss: evaluationLoss, recalibratedLoss: recalibratedLoss)
    }

    /// The method's loss in evaluation mode, averaged over images, and each batch's size.
    private static func meanLoss(of model: any DistillationModel, batchCount: Int,
                                 features: (Int) throws -> [Tensor]) rethrows -> (loss: Float, batchSizes: [Int]) {
        model.eval()
        var total: Double = 0
        var batchSizes: [Int] = []
        for index in 0..<batchCount {
            let teacher = try features(index)
            let size = teacher.first?.shape.first ?? 0
            batchSizes.append(size)
            guard size > 0 else { continue }
            let loss = withoutGradients { model.trainingLoss(TrainingBatch(teacherFeatures: teacher)).total }
            total += Double(loss.item) * Double(size)
        }
        return (Float(total / Double(max(batchSizes.reduce(0, +), 1))), batchSizes)
    }
}
