import Foundation
import LoupeModels
import LoupeTensor

/// The weights of the epoch with the lowest training loss, kept on disk beside the run, so
/// that a loss spike in the final epoch does not decide the model.
///
/// RD's Adam at lr 0.005 with β₁ 0.5 jumps now and then (in PyTorch's runs as in ours);
/// a jump in the last epoch left a poor model (texture: AUPRO 39 against 56 for the other
/// seeds). Written before the epoch's checkpoint: a run killed in between redoes the epoch
/// and writes the same weights again.
public struct BestEpoch {
    /// A final epoch whose mean loss is more than this multiple of the best one's spiked.
    public static let spikeRatio: Float = 1.1

    public let path: String
    public private(set) var epoch: Int?
    public private(set) var loss: Float = .infinity

    /// `losses`: mean loss per epoch already trained (a resumed run's log).
    public init(path: String, losses: [Int: Float] = [:]) {
        self.path = path
        if let best = losses.min(by: { $0.value < $1.value }) { (epoch, loss) = (best.key, best.value) }
    }

    /// Records a finished epoch, saving `model` when its loss is the lowest so far.
    public mutating func record(epoch: Int, loss: Float, model: any DistillationModel, metadata: CheckpointMetadata) throws {
        guard loss < self.loss else { return }
        var saved = metadata
        saved.epoch = epoch
        try Checkpoint(model: model.stateDictionary(), optimizer: [:], metadata: saved).write(to: path)
        (self.epoch, self.loss) = (epoch, loss)
    }

    /// When `finalLoss` spiked above the best epoch's, loads that epoch's weights into
    /// `model` and returns the epoch; nil (model untouched) otherwise, or when the saved
    /// weights are missing or of another epoch.
    public func restoreIfSpiked(finalLoss: Float, into model: any DistillationModel) throws -> Int? {
        guard let epoch, finalLoss > Self.spikeRatio * loss, FileManager.default.fileExists(atPath: path) else { return nil }
        let saved = try Checkpoint.read(path)
        guard saved.metadata.epoch == epoch else { return nil }
        try model.loadStateDictionary(saved.model, source: path)
        return epoch
    }

    /// Deletes the saved weights (the run is complete).
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
