import Foundation
import LoupeConsole
import LoupeData
import LoupeEngine
import LoupeModels
import Testing

/// The Runs view with real runs: 200 listed, two opened side by side with both maps on
/// screen, every view visited, back to the list; no frame over the 50 ms budget.
@Suite(.serialized) struct ConsoleSessionTests {
    @Test func twoHundredRunsAndAnABPairStayWithinTheFrameBudget() throws {
        guard ConsoleControllerTests.teacherAvailable else { return }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-session-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var configuration = TrainingConfiguration()
        configuration.epochs = 1
        configuration.imageSize = 64
        for (name, seed) in [("a-first", UInt64(1)), ("b-second", 2)] {
            configuration.seed = seed
            let run = RunFolder(root + "/" + name)
            try TrainingJob(run: run, dataset: Dataset.mvtec(root: ConsoleControllerTests.samples), configuration: configuration,
                            teacherWeights: nil, resume: false).start()
            _ = try EvaluationJob(run: run).start()
        }
        // 197 more listed runs (their checkpoints linked, not copied) and a damaged one.
        for index in 0..<197 {
            let folder = root + String(format: "/run-%03d", index)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: folder + "/model.safetensors", withDestinationPath: root + "/a-first/model.safetensors")
            try FileManager.default.copyItem(atPath: root + "/a-first/metrics.json", toPath: folder + "/metrics.json")
        }
        try FileManager.default.createDirectory(atPath: root + "/zz-torn", withIntermediateDirectories: true)
        try Data("torn".utf8).write(to: URL(fileURLWithPath: root + "/zz-torn/model.safetensors"))

        let session = ConsoleSession(directory: root)
        defer { session.stop() }
        let screen = MemoryScreen(width: 160, height: 40)
        session.draw(on: screen)
        #expect(screen.line(0).contains("200 runs"))
        for key: ConsoleKey in [.character(" "), .down, .character(" "), .character("a")] { try session.handle(key) }
        let console = try #require(session.console)
        #expect(console.state.comparison?.runName == "b-second")
        // Both maps arrive from their workers while frames are drawn.
        let deadline = Date().addingTimeInterval(180)
        repeat {
            _ = session.pump()
            session.draw(on: screen)
            Thread.sleep(forTimeInterval: 0.02)
        } while (0..<40).map(screen.line).joined().contains("computing map") && Date() < deadline
        let right = BrowserView.comparisonListWidth + 2 + (160 - BrowserView.comparisonListWidth - 4) / 2 + 2
        #expect(screen[BrowserView.comparisonListWidth + 3, 4].character == "▀" && screen[right, 4].character == "▀", "both panes hold images")
        for key in ["2", "3", "4", "1", "s", "/"] {
            try session.handle(.character(Character(key)))
            session.draw(on: screen)
        }
        try session.handle(.character("0"))
        session.draw(on: screen)
        #expect(session.console == nil && screen.line(0).contains("200 runs"))
        #expect((0..<40).map(screen.line).contains { $0.contains("zz-torn") } == false, "the damaged run sorts last, off screen")
        FrameBudget.check(session.frameTimes, "runs session")
        try session.handle(.character("q"))
        #expect(session.isFinished)
        session.stop()
    }
}
