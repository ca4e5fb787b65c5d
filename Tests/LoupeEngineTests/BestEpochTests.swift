import Foundation
import LoupeEngine
import LoupeModels
import LoupeTensor
import Testing

/// The best epoch's weights survive a spiked final epoch, and only then replace it.
@Suite struct BestEpochTests {
    static func metadata() -> CheckpointMetadata {
        CheckpointMetadata(configuration: TrainingConfiguration(), data: .path("data"), epoch: 0, threshold: nil, teacherWeights: "teacher")
    }

    static func parameters(_ model: ReverseDistillationModel) -> [[Float]] { model.parameters.map(\.value.scalars) }

    /// Moves every parameter, as a training epoch would.
    static func perturb(_ model: ReverseDistillationModel, by amount: Float) {
        for parameter in model.parameters { parameter.assign(parameter.value + amount) }
    }

    @Test func spikedFinalEpochGetsTheBestEpochsWeights() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-best-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = ReverseDistillationModel(teacher: .single(.efficientNetLite0, channels: [8, 16, 24]), seed: 2)
        var best = BestEpoch(path: path)
        var atEpoch2: [[Float]] = []
        for (epoch, loss) in [(1, Float(2.0)), (2, 1.0), (3, 1.05)] {
            Self.perturb(model, by: 0.01)
            try best.record(epoch: epoch, loss: loss, model: model, metadata: Self.metadata())
            if epoch == 2 { atEpoch2 = Self.parameters(model) }
        }
        #expect(best.epoch == 2 && best.loss == 1.0)
        Self.perturb(model, by: 0.01)
        // Within 10 % of the best: no spike, the final weights stay.
        let final = Self.parameters(model)
        #expect(try best.restoreIfSpiked(finalLoss: 1.09, into: model) == nil)
        #expect(Self.parameters(model) == final)
        #expect(try best.restoreIfSpiked(finalLoss: 1.5, into: model) == 2)
        #expect(Self.parameters(model) == atEpoch2)
        best.remove()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func resumedRunKnowsItsBestEpochAndIgnoresAnotherEpochsFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-best-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = ReverseDistillationModel(teacher: .single(.efficientNetLite0, channels: [8, 16, 24]), seed: 2)
        var first = BestEpoch(path: path)
        try first.record(epoch: 3, loss: 0.5, model: model, metadata: Self.metadata())
        // Reopened from a log whose best epoch is 4: the file (epoch 3) is not its weights.
        let resumed = BestEpoch(path: path, losses: [2: 0.9, 3: 0.5, 4: 0.4])
        #expect(resumed.epoch == 4 && resumed.loss == 0.4)
        Self.perturb(model, by: 0.1)
        let final = Self.parameters(model)
        #expect(try resumed.restoreIfSpiked(finalLoss: 2, into: model) == nil)
        #expect(Self.parameters(model) == final)
    }
}
