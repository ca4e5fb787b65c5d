import LoupeConsole
import Foundation
import LoupeEngine
import LoupeModels
import LoupeTensor
import Testing

/// The console's views drawn into memory: what an operator would read, cell by cell.
@Suite struct ViewTests {
    static let images = [
        ThresholdTuning.Image(name: "test/good/000.png", score: 1.2, isDefect: false),
        ThresholdTuning.Image(name: "test/good/001.png", score: 1.9, isDefect: false),
        ThresholdTuning.Image(name: "test/hole/000.png", score: 2.4, isDefect: true),
        ThresholdTuning.Image(name: "test/hole/001.png", score: 1.5, isDefect: true),
    ]

    @Test func browserListsImagesBestFirstWithVerdictsAndMarks() {
        var state = ConsoleState(runName: "tex", images: Self.images, threshold: 1.8)
        state.handle(.down)
        state.handle(.character("f"))
        let screen = MemoryScreen(width: 100, height: 12)
        BrowserView().draw(state, pane: nil, on: screen)
        #expect(screen.line(0).hasPrefix(" Loupe · tex · threshold 1.8000 · browser"))
        #expect(screen.line(2).hasPrefix("  2.4000  defect   defect        hole/000.png"))
        #expect(screen.line(3).hasPrefix("▶ 1.9000  defect   good    FP    good/001.png"))
        #expect(screen.line(4).hasPrefix("  1.5000  good     defect        hole/001.png"))
        // Rows where the verdict disagrees with the truth are drawn in red.
        #expect(screen[2, 3].foreground == .palette(1) && screen[2, 2].foreground == .standard)
        #expect(screen.line(11).hasPrefix("001.png: false-positive"))
        #expect(state.takeNewMarksCount == 1)
    }

    @Test func histogramShowsConfusionAtTheCursorAndFollowsIt() {
        var state = ConsoleState(runName: "tex", images: Self.images, threshold: 1.8)
        state.handle(.tab)
        let screen = MemoryScreen(width: 90, height: 24)
        HistogramView().draw(state, on: screen)
        let text = (0..<24).map(screen.line).joined(separator: "\n")
        // ≥ 1.8: TP 1 (2.4), FN 1 (1.5), FP 1 (1.9), TN 1 (1.2).
        #expect(text.contains("actual defect                   1                1"))
        #expect(text.contains("actual good                     1                1"))
        #expect(text.contains("TPR 0.500   FPR 0.500"))
        state.handle(.character("b"))
        HistogramView().draw(state, on: screen)
        let after = (0..<24).map(screen.line).joined(separator: "\n")
        #expect(after.contains("threshold 1.5000") && after.contains("threshold at best F1"))
    }

    @Test func keysCycleViewsAndPaneModesAndQuit() {
        var state = ConsoleState(runName: "tex", images: Self.images, threshold: 1.8)
        state.handle(.character("o"))
        #expect(state.pane == .image)
        state.handle(.tab)
        #expect(state.view == .histogram)
        state.handle(.right)
        #expect(state.tuning.threshold > 1.8)
        state.handle(.character("q"))
        #expect(state.wantsToQuit)
    }
}

extension ConsoleState {
    /// Takes the pending marks and counts them (test helper).
    var takeNewMarksCount: Int {
        mutating get { takeNewMarks().count }
    }
}

@Suite struct SaveThresholdTests {
    @Test func savingHandsOverTheCursorThresholdOnce() {
        var state = ConsoleState(runName: "tex", images: ViewTests.images, threshold: 1.8)
        state.handle(.tab)
        state.handle(.character("b"))
        state.handle(.character("s"))
        #expect(state.takeThresholdToSave() == 1.5)
        #expect(state.takeThresholdToSave() == nil)
        #expect(state.message.contains("1.5000 saved"))
    }

    @Test func savedThresholdIsWhatTheRunUses() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-threshold-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let run = RunFolder(folder)
        let metadata = CheckpointMetadata(configuration: ReverseDistillationConfiguration(), dataRoot: "d", epoch: 1, threshold: 1.8, teacherWeights: "w")
        try Checkpoint(model: ["w": .zeros([1])], optimizer: [:], metadata: metadata).write(to: run.checkpoint)
        try run.saveThreshold(1.5)
        #expect(try Checkpoint.read(run.checkpoint).metadata.threshold == 1.5)
        #expect(try Checkpoint.read(run.checkpoint).model["w"]?.scalars == [0])
    }
}
