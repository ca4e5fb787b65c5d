import Foundation
import LoupeModels

extension RunFolder {
    /// Makes this run from `source`'s finished training, scoring as `configuration` says:
    /// runs that differ only in how they score (stu-seg `--student-map` beside stu-seg)
    /// need one training, not two. The weights, the log and the settings come from
    /// `source`; the threshold is left to `eval`. The checkpoint is written last, so an
    /// interrupted call leaves a run that is not trained, never a half-made one.
    public func adoptTraining(of source: RunFolder, scoringAs configuration: TrainingConfiguration) throws {
        var checkpoint = try Checkpoint.read(source.checkpoint)
        let trained = checkpoint.metadata
        guard trained.epoch >= trained.configuration.epochs else {
            throw RunError.unfinishedTraining(path: source.path, epoch: trained.epoch, epochs: trained.configuration.epochs)
        }
        if let difference = trained.configuration.trainingDifference(from: configuration) {
            throw RunError.trainedDifferently(path: path, source: source.path, difference: difference)
        }
        checkpoint.metadata.configuration = trained.configuration.scored(like: configuration)
        checkpoint.metadata.threshold = nil
        try create()
        for file in [self.checkpoint, scores, metrics, bestEpochWeights] { try? FileManager.default.removeItem(atPath: file) }
        var settings = try RunConfigurationFile.read(source.configuration)
        settings.configuration = checkpoint.metadata.configuration
        try RunFolder.write(settings.text, to: self.configuration)
        if let log = FileManager.default.contents(atPath: source.trainLog) { try RunFolder.write(log, to: trainLog) }
        try checkpoint.write(to: self.checkpoint)
    }
}
