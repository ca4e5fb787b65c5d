import LoupeModels
import LoupeTensor

/// A training stage's optimisers, one per parameter group, with the run's learning-rate
/// schedule applied to each group's base rate over the stage's epochs.
///
/// A one-stage, one-group run saves its optimiser's state under the optimiser's own names,
/// as before stages existed, so older checkpoints resume exactly; otherwise the state is
/// saved per group with the stage's index, and a checkpoint of another stage (a run killed
/// right at the boundary) starts the new stage's optimisers fresh.
final class StageOptimizers {
    let stage: Int
    private let stageCount: Int
    private let optimizers: [any Optimizer]
    private let schedules: [any LearningRateSchedule]

    /// `cosinePeriod`: the cosine schedule's period in epochs, nil for a constant rate.
    init(stage: Int, of stages: [TrainingStage], optimization: StageOptimization, cosinePeriod: Int?) {
        self.stage = stage
        stageCount = stages.count
        optimizers = optimization.makeOptimizers()
        schedules = optimization.groups.map { group in
            cosinePeriod.map { CosineAnnealingSchedule(base: group.learningRate, period: $0) } ?? ConstantSchedule(group.learningRate) as any LearningRateSchedule
        }
    }

    /// The first group's learning rate (what the log and the progress bar show).
    var learningRate: Float { optimizers.first?.learningRate ?? 0 }

    /// Sets every group's rate for the stage's `epochInStage` (0-based).
    func schedule(epochInStage: Int) {
        for (optimizer, schedule) in zip(optimizers, schedules) { optimizer.learningRate = schedule.learningRate(at: epochInStage) }
    }

    func zeroGradients() { optimizers.forEach { $0.zeroGradients() } }

    func step() { optimizers.forEach { $0.step() } }

    private var isSingle: Bool { stageCount == 1 && optimizers.count == 1 }

    var state: [String: Tensor] {
        if isSingle { return optimizers[0].state }
        var result = ["stage": Tensor(Float(stage))]
        for (index, optimizer) in optimizers.enumerated() {
            for (key, value) in optimizer.state { result["group\(index).\(key)"] = value }
        }
        return result
    }

    /// Restores state saved by `state`, when it is this stage's.
    func restore(_ saved: [String: Tensor]) {
        if isSingle { return optimizers[0].restore(saved) }
        guard saved["stage"].map({ Int($0.item) }) == stage else { return }
        for (index, optimizer) in optimizers.enumerated() {
            let prefix = "group\(index)."
            optimizer.restore(Dictionary(uniqueKeysWithValues: saved.compactMap { key, value in
                key.hasPrefix(prefix) ? (String(key.dropFirst(prefix.count)), value) : nil
            }))
        }
    }
}
