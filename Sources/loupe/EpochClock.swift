import Foundation

/// The time left for a whole training run, from the epochs this process has trained: an
/// epoch line in a log then says when the run, not only the epoch, will end.
struct EpochClock {
    private let started = Date()
    let firstEpoch: Int
    let epochs: Int

    /// `epochs` in all; the first epoch this process trains is `firstEpoch` (after a resume, not 1).
    init(epochs: Int, firstEpoch: Int = 1) {
        self.epochs = epochs
        self.firstEpoch = firstEpoch
    }

    /// "ETA m:ss" after `epoch` finished (nothing after the last).
    func remaining(after epoch: Int, now: Date = Date()) -> String {
        let trained = epoch - firstEpoch + 1
        guard trained > 0, epoch < epochs else { return "" }
        let perEpoch = now.timeIntervalSince(started) / Double(trained)
        return "  ETA " + ProgressBar.duration(perEpoch * Double(epochs - epoch))
    }
}
