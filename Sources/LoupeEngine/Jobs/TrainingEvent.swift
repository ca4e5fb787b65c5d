import Foundation
import LoupeData
import LoupeImaging
import LoupeModels
import LoupeTensor

/// What a training job reports as it goes.
public enum TrainingEvent: Sendable {
    /// `fromDisk` of the `done` images came from the feature store instead of the teacher.
    case cachingTeacherFeatures(done: Int, total: Int, fromDisk: Int)
    /// `terms`: the loss's named parts, when it has several (`TrainingLoss.terms`).
    case step(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Float, terms: [LossTerm], learningRate: Float, imagesPerSecond: Double)
    case epochFinished(epoch: Int, meanLoss: Float, seconds: Double)
    case resumed(fromEpoch: Int)
    /// A method of several stages (`AnomalyMethod.stages`) starts (or resumes in) stage
    /// `index` (0-based) of `count`, which trains for `epochs` epochs.
    case stageStarted(index: Int, count: Int, name: String, epochs: Int)
    /// After the final epoch: its loss spiked above the best epoch's, whose weights are kept instead.
    case restoredBestEpoch(epoch: Int, loss: Float, finalLoss: Float)
    /// After the final epoch: whether the BatchNorm running statistics were stale and replaced.
    case checkedRunningStatistics(RunningStatisticsCheck)
    /// A stage that reads a frozen network (pfadseg's and stu-seg's segmentation stage, the
    /// student) starts by running it once over every good input, `done` of `total` so far.
    case keepingFrozenFeatures(done: Int, total: Int)
    /// The teacher features (`bytes`) exceed the memory budget: every step reads its batch
    /// from the feature store instead of keeping them all in memory.
    case streamingTeacherFeatures(bytes: Int, budget: Int)
}
