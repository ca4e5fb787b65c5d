import Foundation
import LoupeData
import LoupeEngine
import Testing

@Suite struct EventRingTests {
    @Test func drainsInOrderAndDropsOldestWhenFull() {
        let ring = EventRing<Int>(capacity: 4)
        for value in 0..<6 { ring.publish(value) }
        #expect(ring.drain() == [2, 3, 4, 5] && ring.dropped == 2)
        #expect(ring.drain().isEmpty)
        ring.publish(9)
        #expect(ring.drain() == [9])
    }

    @Test func concurrentPublishersLoseNothingBelowCapacity() {
        let ring = EventRing<Int>(capacity: 10_000)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for i in 0..<1_000 { ring.publish(worker * 1_000 + i) }
        }
        #expect(ring.drain().sorted() == Array(0..<4_000))
    }
}

@Suite(.serialized) struct BackgroundJobTests {
    @Test func trainingPublishesStepsAndCancelsPromptly() throws {
        guard ReverseDistillationRunTests.teacherAvailable else { return }
        let run = ReverseDistillationRunTests.temporaryRun()
        defer { try? FileManager.default.removeItem(atPath: run.path) }
        let dataset = try Dataset.mvtec(root: ReverseDistillationRunTests.samples + "/texture")
        let job = BackgroundJob.training(TrainingJob(run: run, dataset: dataset,
                                                     configuration: ReverseDistillationRunTests.configuration(epochs: 50, size: 64),
                                                     teacherWeights: nil, resume: false))
        // The UI thread drains while the job runs; cancel after the first training step.
        var seen: [JobEvent] = []
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            seen += job.events.drain()
            if seen.contains(where: { if case .training(.step) = $0 { return true }; return false }) { break }
            usleep(10_000)
        }
        let cancelledAt = Date()
        job.cancel()
        job.wait()
        seen += job.events.drain()
        #expect(Date().timeIntervalSince(cancelledAt) < 2, "cancel took too long")
        #expect(seen.contains { if case .training(.cachingTeacherFeatures) = $0 { return true }; return false })
        #expect({ if case .cancelled = seen.last { return true }; return false }())
    }

    @Test func scoringAFolderPublishesEveryImage() throws {
        guard ReverseDistillationRunTests.teacherAvailable else { return }
        let run = ReverseDistillationRunTests.temporaryRun()
        defer { try? FileManager.default.removeItem(atPath: run.path) }
        let dataset = try Dataset.mvtec(root: ReverseDistillationRunTests.samples + "/texture")
        try TrainingJob(run: run, dataset: dataset, configuration: ReverseDistillationRunTests.configuration(epochs: 1, size: 64),
                        teacherWeights: nil, resume: false).start()
        let folder = ReverseDistillationRunTests.samples + "/texture/test/hole"
        let job = BackgroundJob.inference(InferenceJob(run: run, images: try InferenceJob.expand([folder]), threshold: 1))
        job.wait()
        let events = job.events.drain()
        let scored = events.compactMap { if case let .inferred(result) = $0 { return result.path }; return nil }
        #expect(scored == (0..<8).map { folder + String(format: "/%03d.png", $0) })
        #expect({ if case .finished = events.last { return true }; return false }())
    }
}
