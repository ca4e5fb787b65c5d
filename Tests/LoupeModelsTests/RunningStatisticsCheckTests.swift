import LoupeModels
import LoupeTensor
import Testing

/// The end-of-training check replaces running statistics only when they no longer fit.
@Suite struct RunningStatisticsCheckTests {
    /// A small RD after 30 training steps on three batches of random teacher features (8, 16, 24 channels
    /// at 16², 8², 4²), and its batches.
    static func trainedModel() -> (ReverseDistillationModel, [[Tensor]]) {
        var generator = SeededGenerator(seed: 5)
        let batches = (0..<3).map { _ in [Tensor.randomNormal([4, 8, 16, 16], using: &generator),
                                          Tensor.randomNormal([4, 16, 8, 8], using: &generator),
                                          Tensor.randomNormal([4, 24, 4, 4], using: &generator)] }
        let model = ReverseDistillationModel(teacher: .single(.efficientNetLite0, channels: [8, 16, 24]), seed: 3)
        let optimizer = Adam(parameters: model.parameters, learningRate: 0.005, betas: (0.5, 0.999))
        for step in 0..<30 {
            let loss = reverseDistillationLoss(teacher: batches[step % 3], student: model(batches[step % 3]))
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
        }
        return (model, batches)
    }

    static func runningVariances(_ model: ReverseDistillationModel) -> [Float] {
        model.batchNorms.flatMap(\.running_var.value.scalars)
    }

    @Test func freshStatisticsAreKept() {
        let (model, batches) = Self.trainedModel()
        let before = Self.runningVariances(model)
        // A training loss equal to the evaluation loss: nothing is stale.
        let probe = RunningStatisticsCheck.run(on: model, trainingLoss: .greatestFiniteMagnitude, batchCount: 3) { batches[$0] }
        let check = RunningStatisticsCheck.run(on: model, trainingLoss: probe.evaluationLoss, batchCount: 3) { batches[$0] }
        #expect(!probe.wasStale && !check.wasStale)
        #expect(check.evaluationLoss == probe.evaluationLoss)
        #expect(Self.runningVariances(model) == before)
        #expect(model.isTraining)
    }

    @Test func staleStatisticsAreRecalibrated() {
        let (model, batches) = Self.trainedModel()
        let fresh = RunningStatisticsCheck.run(on: model, trainingLoss: .greatestFiniteMagnitude, batchCount: 3) { batches[$0] }
        // Statistics of another network: every running variance ÷100, means shifted by 3.
        for norm in model.batchNorms {
            norm.running_var.assign(norm.running_var.value * 0.01)
            norm.running_mean.assign(norm.running_mean.value + 3)
        }
        let check = RunningStatisticsCheck.run(on: model, trainingLoss: fresh.evaluationLoss, batchCount: 3) { batches[$0] }
        #expect(check.evaluationLoss > RunningStatisticsCheck.staleRatio * fresh.evaluationLoss)
        guard let recalibrated = check.recalibratedLoss else {
            Issue.record("stale statistics were kept: \(check)")
            return
        }
        #expect(recalibrated < check.evaluationLoss)
        // Precise statistics land near the moving average of the same few batches.
        #expect(abs(recalibrated - fresh.evaluationLoss) < 0.1 * fresh.evaluationLoss, "\(recalibrated) vs \(fresh.evaluationLoss)")
        #expect(model.isTraining)
    }
}
