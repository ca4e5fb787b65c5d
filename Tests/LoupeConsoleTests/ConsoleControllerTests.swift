import Foundation
import LoupeConsole
import LoupeEngine
import LoupeModels
import Testing

/// The console's controller with real jobs: training started from the console, the test set
/// scored in the background, marks and their actions, and the frame budget throughout.
@Suite(.serialized) struct ConsoleControllerTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/texture").path

    static var teacherAvailable: Bool {
        if (try? BackboneName.efficientNetLite0.defaultWeightsPath()) != nil { return true }
        if ProcessInfo.processInfo.environment["LOUPE_REQUIRE_WEIGHTS"] == "1" { Issue.record("teacher weights missing: run `make weights`") }
        return false
    }

    @Test func trainsScoresAndReviewsWithoutALongFrame() throws {
        guard Self.teacherAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-console-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = folder + "/texture"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.samples, toPath: data)
        var configuration = TrainingConfiguration()
        configuration.epochs = 2
        configuration.imageSize = 64
        let run = RunFolder(folder + "/run")
        let console = try Console(run: run, data: .path(data), newRunConfiguration: configuration)
        defer { console.stop() }
        #expect(console.state.view == .training)
        let screen = MemoryScreen(width: 110, height: 32)
        var sawTrainingCurve = false, sawScoringGrow = Set<Int>()
        let deadline = Date().addingTimeInterval(600)
        // Frames every 20 ms while training and scoring run in the background.
        while Date() < deadline {
            console.pump()
            if console.state.training.status == .training && console.state.view != .training { try console.handle(.character("3")) }
            if case .scoring = console.state.training.status, console.state.view != .browser { try console.handle(.character("1")) }
            console.draw(on: screen)
            if screen.line(4...).contains("•") { sawTrainingCurve = true }
            sawScoringGrow.insert(console.state.tuning.images.count)
            if console.state.training.status == .finished && console.state.tuning.images.count == 48 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(sawTrainingCurve)
        #expect(console.state.tuning.images.count == 48 && FileManager.default.fileExists(atPath: run.scores))
        // Images appeared while scoring ran, not all at once at the end.
        #expect(sawScoringGrow.count > 3)
        FrameBudget.check(console.frameTimes, "console while training and scoring")

        // The selected image's map arrives from its worker; the pane shows it.
        try console.handle(.character("1"))
        let mapDeadline = Date().addingTimeInterval(60)
        repeat { console.pump(); console.draw(on: screen); Thread.sleep(forTimeInterval: 0.02) }
        while screen.line(1).contains("computing map") && Date() < mapDeadline
        #expect(screen[BrowserView.listWidth + 2, 3].character == "▀")

        // Mark the top good image a false positive: journal, export, added to training.
        try console.handle(.character("/"))  // kind filter "foreign" …
        while console.state.filter != .kind("good") { try console.handle(.character("/")) }
        try console.handle(.character("f"))
        let marked = try #require(console.state.selectedItem?.name)
        #expect(try ReviewJournal(path: run.reviewJournal).currentVerdicts[marked]?.verdict == .falsePositive)
        try console.handle(.character("4"))
        try console.handle(.character("e"))
        #expect(try String(contentsOfFile: run.reviewExport, encoding: .utf8).contains(marked + ",false-positive"))
        try console.handle(.character("a"))
        let copy = data + "/train/good/review-good-" + (marked as NSString).lastPathComponent
        #expect(FileManager.default.contentsEqual(atPath: copy, andPath: marked))
        #expect(console.state.message.hasPrefix("1 false positives added"))

        // The journal and the export can no longer be written (a folder in their place, as a
        // full or read-only disk would refuse them): the console stays open, says so, and the
        // image keeps the verdict that was saved.
        try console.handle(.character("1"))
        for file in [run.reviewJournal, run.reviewExport] {
            try FileManager.default.removeItem(atPath: file)
            try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: false)
        }
        try console.handle(.character("d"))
        #expect(console.state.marks[marked] == .falsePositive)
        #expect(console.state.message == (marked as NSString).lastPathComponent + ": confirmed-defect NOT saved: Is a directory (review.jsonl)",
                "\(console.state.message)")
        try console.handle(.character("4"))
        try console.handle(.character("e"))
        #expect(console.state.message == "marks NOT exported: Is a directory (review.csv)", "\(console.state.message)")
    }
}

extension MemoryScreen {
    /// Rows from `rows.lowerBound` to the bottom, as one text.
    func line(_ rows: PartialRangeFrom<Int>) -> String { (rows.lowerBound..<height).map(line).joined(separator: "\n") }
}
