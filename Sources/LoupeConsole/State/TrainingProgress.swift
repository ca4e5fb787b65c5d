import Foundation
import LoupeEngine
import LoupeModels

/// What the Training view shows, folded from a background job's events.
public struct TrainingProgress: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case idle
        case cachingFeatures(done: Int, total: Int)
        /// A stage's frozen network over every good input (`TrainingEvent.keepingFrozenFeatures`).
        case keepingFrozenFeatures(done: Int, total: Int)
        case training
        case scoring(done: Int, total: Int)
        case finished
        case failed(String)
        case cancelled

        public var isRunning: Bool {
            switch self {
            case .cachingFeatures, .keepingFrozenFeatures, .training, .scoring: return true
            default: return false
            }
        }
    }

    public private(set) var status = Status.idle
    /// Every step's loss, in order.
    public private(set) var stepLosses: [Float] = []
    /// Each finished epoch's mean loss.
    public private(set) var epochLosses: [Float] = []
    public private(set) var epoch = 0, epochs = 0, step = 0, stepsPerEpoch = 0
    public private(set) var learningRate: Float = 0
    /// The latest step's loss terms, for methods whose loss has several (`LossTerm`).
    public private(set) var latestTerms: [LossTerm] = []
    public private(set) var imagesPerSecond = 0.0
    /// "stage 2/2 segmentation" while a method of several stages trains.
    public private(set) var stage: String?
    /// Where each later stage began, as an index into `stepLosses` (the curve marks it:
    /// the stages' losses measure different things).
    public private(set) var stageStartSteps: [Int] = []
    /// What the end-of-training checks did (kept the best epoch, recalibrated BatchNorm).
    public private(set) var notes: [String] = []
    /// Seconds the remaining steps will take at the rate seen so far.
    public private(set) var secondsRemaining: Double?
    /// How long the logged training took (runs opened from their history).
    public private(set) var loggedSeconds: Double?
    private var stepsSeen = 0
    private var firstStepAt: Date?

    public init(epochs: Int = 0) { self.epochs = epochs }

    /// A run's training so far, from its `train-log.csv` rows: finished when it reached
    /// `epochs`, otherwise stopped (and `t` resumes it).
    public init(history rows: [TrainLog.Row], epochs: Int) {
        self.epochs = epochs
        guard let last = rows.last else { return }
        stepLosses = rows.map(\.loss)
        var sums: [(epoch: Int, total: Float, count: Int)] = []
        for row in rows {
            if sums.last?.epoch == row.epoch {
                sums[sums.count - 1].total += row.loss
                sums[sums.count - 1].count += 1
            } else {
                sums.append((row.epoch, row.loss, 1))
            }
        }
        epochLosses = sums.map { $0.total / Float($0.count) }
        (epoch, step, learningRate, latestTerms) = (last.epoch, last.step, last.learningRate, last.terms)
        stepsPerEpoch = sums.map(\.count).max() ?? 0
        loggedSeconds = last.seconds
        status = last.epoch >= epochs ? .finished : .cancelled
    }

    /// Folds one event in; `now` is passed so tests can control time.
    public mutating func apply(_ event: JobEvent, now: Date = Date()) {
        switch event {
        case let .training(.cachingTeacherFeatures(done, total, _)): status = .cachingFeatures(done: done, total: total)
        case let .training(.keepingFrozenFeatures(done, total)): status = .keepingFrozenFeatures(done: done, total: total)
        case let .training(.resumed(fromEpoch)): epoch = fromEpoch
        case let .training(.streamingTeacherFeatures(bytes, budget)):
            notes.append("teacher features \(MemorySize(bytes: bytes)) > memory budget \(MemorySize(bytes: budget)): read from the feature cache each step")
        case let .training(.stageStarted(index, count, name, _)):
            stage = "stage \(index + 1)/\(count) \(name)"
            if index > 0 && !stepLosses.isEmpty { stageStartSteps.append(stepLosses.count) }
        case let .training(.step(epoch, step, steps, loss, terms, rate, speed)):
            status = .training
            latestTerms = terms
            (self.epoch, self.step, stepsPerEpoch, learningRate, imagesPerSecond) = (epoch, step, steps, rate, speed)
            stepLosses.append(loss)
            stepsSeen += 1
            if let firstStepAt, stepsSeen > 1 {
                let perStep = now.timeIntervalSince(firstStepAt) / Double(stepsSeen - 1)
                let remaining = (epochs - epoch) * steps + (steps - step)
                secondsRemaining = perStep * Double(max(remaining, 0))
            } else {
                firstStepAt = now
            }
        case let .training(.epochFinished(_, meanLoss, _)): epochLosses.append(meanLoss)
        case let .training(.restoredBestEpoch(bestEpoch, loss, finalLoss)):
            notes.append(String(format: "last epoch spiked (loss %.4f): kept epoch %d's weights (loss %.4f)", finalLoss, bestEpoch, loss))
        case let .training(.checkedRunningStatistics(check)):
            if let recalibrated = check.recalibratedLoss {
                notes.append(String(format: "stale BatchNorm statistics recalibrated (evaluation loss %.4f → %.4f)", check.evaluationLoss, recalibrated))
            }
        case let .progress(done, total): status = .scoring(done: done, total: total)
        case .scored, .inferred: break
        case .finished: status = .finished; secondsRemaining = 0
        case let .failed(message): status = .failed(message)
        case .cancelled: status = .cancelled
        }
    }

    /// Starts a job's curve (the epochs it will run) after the `history` a resumed run keeps.
    public mutating func restart(epochs: Int, history: [TrainLog.Row] = []) {
        self = TrainingProgress(history: history, epochs: epochs)
        status = .idle
    }
}
