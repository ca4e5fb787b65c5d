import Foundation
@testable import LoupeEngine
import LoupeData
import LoupeModels
import LoupeTensor
import Testing

/// The frozen network's features of good units, computed when the stage starts in unit
/// order while the budget lasts, handed back row for row in each batch's order; units past
/// the budget computed with their batch.
@Suite struct FrozenFeatureCacheTests {
    /// A "network" that reads each input's first value u and gives u twice at scale 0 and
    /// 10u three times at scale 1; `calls` counts its inputs.
    final class Network: @unchecked Sendable {
        var inputs: [[Float]] = []
        func callAsFunction(_ images: Tensor) -> [Tensor] {
            let values = (0..<images.shape[0]).map { images.sliced(alongAxis: 0, $0..<($0 + 1)).scalars[0] }
            inputs.append(values)
            return [Tensor(shape: [values.count, 2, 1, 1], scalars: values.flatMap { [$0, $0] }),
                    Tensor(shape: [values.count, 3, 1, 1], scalars: values.flatMap { [Float](repeating: 10 * $0, count: 3) })]
        }
    }

    /// Inputs of `units` (unit u is a 1×1×1×1 image of value u).
    static func images(_ units: [Int]) -> Tensor { Tensor(shape: [units.count, 1, 1, 1], scalars: units.map(Float.init)) }

    static func cache(_ network: Network, count: Int, budget: Int, progress: (Int) -> Void = { _ in }) throws -> FrozenFeatureCache {
        try FrozenFeatureCache(network: { network($0) }, count: count, batchSize: 2, budget: budget,
                               inputs: { range in Self.images(Array(range)) }, progress: progress, isCancelled: { false })
    }

    @Test func computesEveryUnitOnceInUnitOrderAndReturnsRowsInTheBatchOrder() throws {
        let network = Network()
        var reported: [Int] = []
        let cache = try Self.cache(network, count: 5, budget: 1 << 20) { reported.append($0) }
        #expect(network.inputs == [[0, 1], [2, 3], [4]], "batches of two in unit order")
        #expect(reported == [2, 4, 5] && cache.bytes == 5 * 5 * 4)
        let batch = cache.features(of: [3, 0, 4], images: Self.images([3, 0, 4]))
        #expect(network.inputs.count == 3, "every unit kept: no pass for a batch")
        #expect(batch[0].scalars == [3, 3, 0, 0, 4, 4] && batch[1].scalars == [30, 30, 30, 0, 0, 0, 40, 40, 40])
    }

    /// 5 floats a unit: room for three. Units 3 and 4 come from their batch's rows, each time.
    @Test func keepsNothingPastTheBudget() throws {
        let network = Network()
        var reported: [Int] = []
        let cache = try Self.cache(network, count: 5, budget: 3 * 5 * 4 + 4) { reported.append($0) }
        #expect(cache.bytes == 3 * 5 * 4)
        #expect(reported == [2, 5], "the pass ends at the budget and says so")
        let mixed = cache.features(of: [4, 1, 3], images: Self.images([4, 1, 3]))
        #expect(network.inputs.last == [4, 3], "only the units not kept")
        #expect(mixed[0].scalars == [4, 4, 1, 1, 3, 3] && mixed[1].scalars == [40, 40, 40, 10, 10, 10, 30, 30, 30])
        _ = cache.features(of: [4, 3], images: Self.images([4, 3]))
        #expect(network.inputs.last == [4, 3], "none kept: the batch as it is")
    }

    /// A two-stage run whose segmentation epochs read the student's features of the good
    /// images as kept trains as one that computes them every step (memory budget 0), to
    /// rounding (the resumed-run test checks the bits across an interruption).
    @Test func keptFeaturesTrainAsComputedOnes() throws {
        guard ReverseDistillationRunTests.teacherAvailable else { return }
        func losses(memoryBudget: Int) throws -> [Float] {
            let run = ReverseDistillationRunTests.temporaryRun()
            defer { try? FileManager.default.removeItem(atPath: run.path) }
            var configuration = ReverseDistillationRunTests.configuration(epochs: 3, size: 64)
            configuration.method = "stu-seg"
            configuration.settings = ["width": .integer(8)]
            configuration.useDefaultTeachers()
            let dataset = try Dataset.mvtec(root: ReverseDistillationRunTests.samples + "/texture")
            try TrainingJob(run: run, dataset: dataset, configuration: configuration, teacherWeights: nil, resume: false,
                            memoryBudget: memoryBudget).start()
            let rows = try String(contentsOfFile: run.trainLog, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
            return rows.filter { $0[0] == "3" }.compactMap { Float($0[2]) }
        }
        let kept = try losses(memoryBudget: TeacherFeatureCache.defaultMemoryBudget), computed = try losses(memoryBudget: 0)
        #expect(kept.count == 8 && computed.count == 8)
        for (a, b) in zip(kept, computed) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(a) against \(b)") }
    }
}
