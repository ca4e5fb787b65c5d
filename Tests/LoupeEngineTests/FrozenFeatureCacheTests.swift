import Foundation
@testable import LoupeEngine
import LoupeData
import LoupeModels
import LoupeTensor
import Testing

/// The frozen network's features of good units, kept through a stage: computed once per
/// unit (only the batch's new units), handed back row for row in the batch's order, never
/// past the memory budget.
@Suite struct FrozenFeatureCacheTests {
    /// Unit u's features: scale 0 holds u in its 2 values, scale 1 holds 10u in its 3.
    static func features(_ units: [Int]) -> [Tensor] {
        [Tensor(shape: [units.count, 2, 1, 1], scalars: units.flatMap { [Float($0), Float($0)] }),
         Tensor(shape: [units.count, 3, 1, 1], scalars: units.flatMap { [Float](repeating: Float(10 * $0), count: 3) })]
    }

    @Test func keepsEachUnitOnceAndReturnsRowsInTheBatchOrder() throws {
        let cache = FrozenFeatureCache(stage: 1, budget: 1 << 20)
        var computed: [[Int]] = []
        func batch(_ units: [Int]) -> [Tensor]? {
            cache.features(of: units) { positions in
                computed.append(positions.map { units[$0] })
                return Self.features(positions.map { units[$0] })
            }
        }
        _ = batch([3, 1])
        _ = batch([0, 2])
        let later = try #require(batch([2, 3, 0]))
        #expect(computed == [[3, 1], [0, 2]], "every unit was kept, so the third batch needs no pass")
        #expect(later[0].scalars == [2, 2, 3, 3, 0, 0] && later[1].scalars == [20, 20, 20, 30, 30, 30, 0, 0, 0])
        #expect(cache.bytes == 4 * 5 * 4)
        // Of a batch with a new unit only that one is computed, and it takes its place.
        let mixed = try #require(batch([1, 5, 2]))
        #expect(computed.last == [5] && computed.count == 3)
        #expect(mixed[0].scalars == [1, 1, 5, 5, 2, 2] && mixed[1].scalars == [10, 10, 10, 50, 50, 50, 20, 20, 20])
    }

    @Test func keepsNothingPastTheBudgetAndNothingWhenTheModelHasNothing() throws {
        // 5 floats a unit: room for two.
        let cache = FrozenFeatureCache(stage: 1, budget: 2 * 5 * 4 + 4)
        var passes = 0
        func batch(_ units: [Int]) -> [Tensor]? {
            cache.features(of: units) { positions in
                passes += 1
                return Self.features(positions.map { units[$0] })
            }
        }
        _ = batch([0, 1, 2])
        #expect(cache.bytes == 2 * 5 * 4)
        _ = batch([0, 1])
        _ = batch([2])
        #expect(passes == 2, "units 0 and 1 kept, unit 2 computed again")
        let empty = FrozenFeatureCache(stage: 0, budget: 1 << 20)
        #expect(empty.features(of: [0, 1]) { _ in nil } == nil && empty.bytes == 0)
    }

    /// A two-stage run whose segmentation epochs reuse the student's features of the good
    /// images trains as one that computes them every time (memory budget 0), to rounding.
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
