import Foundation
import LoupeData
import LoupeEngine
import LoupeModels
import Testing

/// A method's training and scoring stay exactly as they were recorded: every step's loss
/// and the four metrics of a short run, to the bit. A change that moves a method's
/// arithmetic (a refactor that should not) fails here. `LOUPE_RECORD_GOLDEN=1` rewrites
/// the record after a change that is meant to move it.
@Suite(.serialized) struct MethodGoldenTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Record: Codable, Equatable {
        var stepLosses: [String]
        var metrics: [String: String]
    }

    static func train(method: String) throws -> Record {
        let run = ReverseDistillationRunTests.temporaryRun()
        defer { try? FileManager.default.removeItem(atPath: run.path) }
        let dataset = try Dataset.mvtec(root: ReverseDistillationRunTests.samples + "/texture")
        var configuration = ReverseDistillationRunTests.configuration(epochs: 2, size: 64)
        configuration.seed = 11
        var losses: [String] = []
        try TrainingJob(run: run, dataset: dataset, configuration: configuration, teacherWeights: nil, resume: false)
            .start(events: { if case let .step(_, _, _, loss, _, _, _) = $0 { losses.append(String(loss.bitPattern, radix: 16)) } })
        let (_, metrics) = try EvaluationJob(run: run).start()
        func bits(_ value: Double?) -> String { value.map { String($0.bitPattern, radix: 16) } ?? "nil" }
        return Record(stepLosses: losses, metrics: ["image_auroc": bits(metrics.imageAUROC), "pixel_auroc": bits(metrics.pixelAUROC),
                                                    "aupro": bits(metrics.aupro), "pixel_ap": bits(metrics.pixelAveragePrecision)])
    }

    @Test(arguments: ["rd"]) func trainingAndMetricsMatchTheRecord(method: String) throws {
        guard ReverseDistillationRunTests.teacherAvailable else { return }
        let path = Self.fixtures.appendingPathComponent("golden-\(method).json")
        let record = try Self.train(method: method)
        if ProcessInfo.processInfo.environment["LOUPE_RECORD_GOLDEN"] == "1" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(record).write(to: path)
            return
        }
        let recorded = try JSONDecoder().decode(Record.self, from: Data(contentsOf: path))
        #expect(record.stepLosses.count == 16)
        #expect(record.stepLosses == recorded.stepLosses)
        #expect(record.metrics == recorded.metrics)
    }
}
