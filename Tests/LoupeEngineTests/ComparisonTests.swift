import Foundation
@testable import LoupeEngine
import Testing

/// `loupe compare`'s parts in memory, against hand-computed values: variants as typed, the
/// table's means, ranges, medians and best marks, the settings check, epoch times.
@Suite struct ComparisonTests {
    @Test func variantsParseAsTyped() throws {
        let variant = try ComparisonVariant("rd-mff:no-transformer+heads=2")
        #expect(variant.method == "rd-mff" && variant.arguments == ["--no-transformer", "--heads", "2"])
        #expect(variant.runName(seed: 1) == "rd-mff-no-transformer-heads2-seed1")
        #expect(try ComparisonVariant("rd").arguments.isEmpty)
        #expect(try ComparisonVariant.list("rd, sacd,rd").map(\.description) == ["rd", "sacd"], "each once, in order")
        for bad in [":heads=2", "rd-mff:heads=", "rd-mff:+heads=2", "rd-mff:--heads=2"] {
            #expect(throws: ComparisonError.self, "\(bad)") { try ComparisonVariant(bad) }
        }
    }

    static func run(_ variant: ComparisonVariant, seed: UInt64, auroc: Double, aupro: Double?, epoch: Double, memory: Int) -> ComparedRun {
        var metrics = EvaluationMetrics(images: 10, defects: 5)
        metrics.imageAUROC = auroc
        metrics.aupro = aupro
        metrics.pixelAUROC = aupro.map { $0 + 0.1 }
        metrics.inferenceMillisecondsPerImage = 20
        return ComparedRun(variant: variant, seed: seed, metrics: metrics, epochSeconds: epoch, peakMemoryBytes: memory)
    }

    @Test func tableShowsMeanRangeAndMarksTheBest() throws {
        let (rd, sacd) = (try ComparisonVariant("rd"), try ComparisonVariant("sacd"))
        let runs = [Self.run(rd, seed: 0, auroc: 0.60, aupro: 0.70, epoch: 3, memory: 300 << 20),
                    Self.run(rd, seed: 1, auroc: 0.70, aupro: 0.80, epoch: 5, memory: 310 << 20),
                    Self.run(rd, seed: 2, auroc: 0.65, aupro: 0.78, epoch: 4, memory: 290 << 20),
                    Self.run(sacd, seed: 0, auroc: 0.90, aupro: 0.75, epoch: 10, memory: 500 << 20),
                    Self.run(sacd, seed: 1, auroc: 0.80, aupro: 0.75, epoch: 12, memory: 520 << 20)]
        let table = ComparisonTable(runs: runs, variants: [rd, sacd], command: "loupe compare …")
        #expect(table.rows.map(\.seeds) == [[0, 1, 2], [0, 1]])
        let rdRow = table.rows[0], sacdRow = table.rows[1]
        // rd: AUROC (0.60 + 0.70 + 0.65) / 3 = 0.65, range 0.60–0.70; AUPRO 0.76, 0.70–0.80.
        #expect(table.text(rdRow, .imageAUROC) == "65.0 (60.0–70.0)" && table.text(rdRow, .aupro) == "76.0 (70.0–80.0)")
        #expect(table.text(sacdRow, .imageAUROC) == "85.0 (80.0–90.0)" && table.text(sacdRow, .aupro) == "75.0 (75.0–75.0)")
        // Costs: the median over seeds (rd 3, 4, 5 → 4; sacd 10, 12 → 11), lower is better.
        #expect(table.text(rdRow, .epochSeconds) == "4.00" && table.text(sacdRow, .epochSeconds) == "11.00")
        #expect(table.text(rdRow, .peakMemory) == "300" && table.text(sacdRow, .peakMemory) == "510")
        #expect(table.isBest(sacdRow, .imageAUROC) && !table.isBest(rdRow, .imageAUROC))
        #expect(table.isBest(rdRow, .aupro) && table.isBest(rdRow, .epochSeconds) && table.isBest(rdRow, .peakMemory))
        #expect(table.isBest(rdRow, .millisecondsPerImage) && table.isBest(sacdRow, .millisecondsPerImage), "a tie marks both")
        #expect(table.markdown.contains("| rd | 0,1,2 | 65.0 (60.0–70.0) | **86.0 (80.0–90.0)** | **76.0 (70.0–80.0)** |"), "\(table.markdown)")
        #expect(table.note == nil && table.columns.contains(.aupro))
    }

    @Test func withoutMasksOnlyImageMetricsAndWhy() throws {
        let rd = try ComparisonVariant("rd")
        let table = ComparisonTable(runs: [Self.run(rd, seed: 0, auroc: 0.6, aupro: nil, epoch: 1, memory: 1 << 20)], variants: [rd], command: "c")
        #expect(table.columns == [.imageAUROC, .epochSeconds, .millisecondsPerImage, .peakMemory])
        #expect(table.note?.contains("no defect masks") == true && table.markdown.contains(table.note!))
        #expect(!table.isBest(table.rows[0], .imageAUROC), "one row is nobody's best")
    }

    @Test func changedSharedSettingsAreNamed() throws {
        let folder = ComparisonFolder(FileManager.default.temporaryDirectory.appendingPathComponent("loupe-compare-\(UUID())").path)
        defer { try? FileManager.default.removeItem(atPath: folder.path) }
        let settings = "data = \"pcb\"\n\n[training]\nepochs = 30   # a comment\nimage_size = 256\n"
        try folder.adopt(settings: settings)
        try folder.adopt(settings: settings.replacingOccurrences(of: "   # a comment", with: ""))
        #expect(throws: ComparisonError.settingChanged(file: folder.settings, key: "training.image_size", recorded: "256", given: "192")) {
            try folder.adopt(settings: settings.replacingOccurrences(of: "256", with: "192"))
        }
        #expect(throws: ComparisonError.settingChanged(file: folder.settings, key: "tiling.tile", recorded: "(unset)", given: "256")) {
            try folder.adopt(settings: settings + "\n[tiling]\ntile = 256\n")
        }
    }

    /// Epoch seconds from the log's cumulative seconds; a resumed run counts from its start again.
    @Test func medianEpochSecondsOfAResumedLog() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-log-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rows = [(1, 1, 1.0), (1, 2, 2.0), (2, 1, 3.5), (2, 2, 5.0), (3, 1, 1.0), (3, 2, 4.0), (4, 1, 6.0), (4, 2, 9.0)]
        let text = "epoch,step,loss,lr,seconds,terms\n" + rows.map { "\($0.0),\($0.1),0.5,0.005,\($0.2),\n" }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        // Epochs: 2.0, 3.0, 4.0 (resumed: from 0), 5.0 → median 3.5.
        #expect(TrainLog.medianEpochSeconds(at: path) == 3.5)
        #expect(TrainLog.medianEpochSeconds(at: path + ".missing") == nil)
    }
}
