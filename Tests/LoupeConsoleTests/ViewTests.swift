@testable import LoupeConsole
import Foundation
import LoupeEngine
import LoupeImaging
import LoupeModels
import LoupeTensor
import Testing

/// The console's views drawn into memory: what an operator would read, cell by cell.
@Suite struct ViewTests {
    /// A ROI run's box (frame pixels) is outlined on the pane at the pane's scale, two pixels
    /// wide inside the box; `r` hides and shows it.
    @Test func regionBoxIsOutlinedAndRToggles() {
        let pane = Image(width: 40, height: 20, channels: 3, value: 0)
        let boxed = PaneImage.boxed(pane, region: RegionCrop(frameWidth: 80, frameHeight: 40, x: 20, y: 10, width: 40, height: 20),
                                    colour: (255, 0, 0))
        // In pane pixels the box is x 10…29, y 5…14.
        func red(_ x: Int, _ y: Int) -> Bool { boxed.pixels[y * 40 + x] == 255 }
        #expect(red(10, 5), "corner")
        #expect(red(11, 6), "inner ring")
        #expect(red(29, 14), "far corner")
        #expect(red(20, 5), "top edge")
        #expect(red(10, 10), "left edge")
        #expect(!red(12, 7) && !red(9, 5) && !red(20, 10) && !red(30, 14))
        var state = ConsoleState(runName: "roi", images: Self.images, threshold: 1.5)
        #expect(state.showsRegion)
        state.handle(.character("r"))
        #expect(!state.showsRegion && state.message.contains("hidden"))
    }

    static let images = [
        ThresholdTuning.Image(name: "test/good/000.png", score: 1.2, isDefect: false, kind: "good"),
        ThresholdTuning.Image(name: "test/good/001.png", score: 1.9, isDefect: false, kind: "good"),
        ThresholdTuning.Image(name: "test/hole/000.png", score: 2.4, isDefect: true, kind: "hole"),
        ThresholdTuning.Image(name: "test/hole/001.png", score: 1.5, isDefect: true, kind: "hole"),
    ]

    static func text(_ screen: MemoryScreen) -> String { (0..<screen.height).map(screen.line).joined(separator: "\n") }

    @Test func browserListsImagesBestFirstWithVerdictsAndMarks() {
        var state = ConsoleState(runName: "tex", images: Self.images, threshold: 1.8)
        state.handle(.down)
        state.handle(.character("f"))
        let screen = MemoryScreen(width: 100, height: 12)
        BrowserView().draw(state, pane: nil, on: screen)
        #expect(screen.line(0).hasPrefix(" Loupe · tex · threshold 1.8000 · browser"))
        #expect(screen.line(2).hasPrefix("  2.4000  defect   hole           hole/000.png"))
        #expect(screen.line(3).hasPrefix("▶ 1.9000  defect   good     FP    good/001.png"))
        #expect(screen.line(4).hasPrefix("  1.5000  good     hole           hole/001.png"))
        // Rows where the verdict disagrees with the truth are drawn in the theme's "wrong" colour.
        #expect(screen[2, 3].foreground == Theme.standard.colour(.wrong, depth: .palette256) && screen[2, 2].foreground == .standard)
        #expect(screen.line(11).hasPrefix("001.png: false-positive"))
        #expect(state.takeRequests().count == 1)
    }

    @Test func sortAndFilterChangeTheList() {
        var state = ConsoleState(runName: "tex", images: Self.images, threshold: 1.8)
        state.handle(.character("s"))
        #expect(state.items.map(\.name) == Self.images.map(\.name).sorted())
        state.handle(.character("/"))  // all → good
        #expect(state.filter == .kind("good") && state.items.count == 2)
        state.handle(.character("/"))  // → hole
        #expect(state.items.allSatisfy { $0.kind == "hole" })
        state.handle(.character("/"))  // → verdict defect (≥ 1.8)
        #expect(Set(state.items.map(\.score)) == [2.4, 1.9])
        state.handle(.character("/"))  // → verdict good
        state.handle(.character("/"))  // → misclassified: good 1.9 flagged, hole 1.5 missed
        #expect(Set(state.items.map(\.name)) == ["test/good/001.png", "test/hole/001.png"])
        let screen = MemoryScreen(width: 100, height: 12)
        BrowserView().draw(state, pane: nil, on: screen)
        #expect(screen.line(1).contains("[name · misclassified · 2/4]"))
    }

    @Test func histogramShowsConfusionAtTheCursorAndFollowsIt() {
        var state = ConsoleState(runName: "tex", images: Self.images, threshold: 1.8)
        state.handle(.tab)
        let screen = MemoryScreen(width: 90, height: 24)
        HistogramView().draw(state, on: screen)
        let text = Self.text(screen)
        // ≥ 1.8: TP 1 (2.4), FN 1 (1.5), FP 1 (1.9), TN 1 (1.2).
        #expect(text.contains("actual defect                   1                1"))
        #expect(text.contains("actual good                     1                1"))
        #expect(text.contains("TPR 0.500   FPR 0.500"))
        state.handle(.character("b"))
        HistogramView().draw(state, on: screen)
        let after = Self.text(screen)
        #expect(after.contains("threshold 1.5000") && after.contains("threshold at best F1"))
        #expect(after.contains("actual defect                   2                0"))
    }

    /// One outlier (the demo run: scores 1.58–1.99 and one at 2.98) no longer squeezes the
    /// bars: the bulk spans at least 80 % of the bins' width, the outlier sits in the overflow
    /// column marked "1 above", the cursor can follow it there, and z shows every score.
    @Test func histogramRangeFollowsTheBulkWithOverflowColumns() {
        var images = (0..<47).map { ThresholdTuning.Image(name: "test/good/\($0).png", score: 1.58 + 0.41 * Float($0) / 46, isDefect: $0 % 5 == 0) }
        images.append(ThresholdTuning.Image(name: "test/hole/out.png", score: 2.98, isDefect: true, kind: "hole"))
        var state = ConsoleState(runName: "demo", images: images, threshold: 1.8)
        state.handle(.tab)
        #expect(state.tuning.highest < 2.1 && state.tuning.overflow.above == (0, 1) && state.tuning.overflow.below == (0, 0))
        let screen = MemoryScreen(width: 200, height: 30)
        HistogramView().draw(state, on: screen)
        let columnWidth = (200 - 4) / 42, binsX = 1 + columnWidth + 1
        let bottom = 1 + (30 - 11)  // the bars' lowest row
        let barColumns = (binsX..<(binsX + 40 * columnWidth)).filter { screen[$0, bottom].character != " " }
        let span = (barColumns.last ?? 0) - (barColumns.first ?? 0) + 1
        #expect(Double(span) >= 0.8 * Double(40 * columnWidth), "bulk spans \(span) of \(40 * columnWidth) columns")
        let overflowX = binsX + 40 * columnWidth + 1
        #expect(screen[overflowX, bottom].character == "█", "the overflow above has its bar")
        #expect(Self.text(screen).contains("1 above 1.990 ▶"))
        for _ in 0..<60 { state.handle(.right) }
        #expect(state.tuning.thresholdBin == 40 && state.tuning.threshold > 2.9, "the cursor moves into the overflow")
        HistogramView().draw(state, on: screen)
        #expect(screen.line(bottom + 1).contains("▲"))
        state.handle(.character("z"))
        #expect(state.tuning.showsFullRange && state.tuning.highest == 2.98 && state.tuning.overflow.above == (0, 0))
        HistogramView().draw(state, on: screen)
        #expect(screen.line(30 - 1).contains("z bulk range") && !Self.text(screen).contains("1 above"))
    }

    @Test func histogramBarsUseTheThemeColoursAndLogOption() {
        var state = ConsoleState(runName: "tex", images: Self.images, threshold: 1.8)
        state.handle(.tab)
        let screen = MemoryScreen(width: 90, height: 24)
        HistogramView().draw(state, on: screen)
        // The lowest bin holds one good image (1.2): its bottom cell is a good-coloured block
        // (bins start after the overflow column below, 2 wide at 90 columns, and a gap).
        let bottom = 24 - 11
        #expect(screen[4, bottom].character == "█" && screen[4, bottom].foreground == Theme.standard.colour(.good, depth: .palette256))
        state.handle(.character("g"))
        state.handle(.character("v"))
        #expect(state.histogramIsLogarithmic && !state.histogramIsStacked)
        HistogramView().draw(state, on: screen)
        #expect(Self.text(screen).contains("overlaid") && Self.text(screen).contains("log counts"))
    }

    @Test func typedThresholdIsSetExactly() {
        var state = ConsoleState(runName: "tex", images: Self.images, threshold: 1.8)
        state.handle(.tab)
        for key in ["=", "1", ".", "6", "5", "x", "2"].map({ ConsoleKey.character(Character($0)) }) { state.handle(key) }
        state.handle(.backspace)
        let screen = MemoryScreen(width: 90, height: 24)
        HistogramView().draw(state, on: screen)
        #expect(Self.text(screen).contains("threshold = 1.65█"))
        state.handle(.enter)
        #expect(state.tuning.threshold == 1.65 && state.typedThreshold == nil)
        state.handle(.character("="))
        state.handle(.character("."))
        state.handle(.enter)
        #expect(state.tuning.threshold == 1.65 && state.message.contains("not a number"))
    }

    @Test func keysCycleViewsAndPaneModesAndQuit() {
        var state = ConsoleState(runName: "tex", images: Self.images, threshold: 1.8)
        state.handle(.character("o"))
        #expect(state.pane == .contour)
        state.handle(.character("o"))
        #expect(state.pane == .image)
        state.handle(.tab)
        #expect(state.view == .histogram)
        state.handle(.right)
        #expect(state.tuning.threshold > 1.8)
        state.handle(.tab)
        #expect(state.view == .training)
        state.handle(.character("4"))
        #expect(state.view == .review)
        state.handle(.character("m"))
        #expect(state.colourMap == .inferno)
        state.handle(.character("q"))
        #expect(state.wantsToQuit)
    }

    @Test func zoomShowsInThePaneLabel() {
        var state = ConsoleState(runName: "tex", images: Self.images, threshold: 1.8)
        state.handle(.character("z"))
        #expect(state.zoomed && state.message.hasPrefix("1:1 native pixels"))
        let screen = MemoryScreen(width: 120, height: 12)
        BrowserView().draw(state, pane: nil, on: screen)
        #expect(screen.line(1).contains("[overlay · turbo · 1:1]"))
    }

    @Test func helpOverlayListsTheViewsKeysAndAnyKeyClosesIt() {
        var state = ConsoleState(runName: "tex", images: Self.images, threshold: 1.8)
        state.handle(.tab)
        state.handle(.character("?"))
        let screen = MemoryScreen(width: 100, height: 30)
        HistogramView().draw(state, on: screen)
        HelpOverlay().draw(state, on: screen)
        let text = Self.text(screen)
        #expect(text.contains("Loupe — histogram keys") && text.contains("=  type an exact threshold") && text.contains("┌"))
        state.handle(.right)  // closes the help, does not move the threshold
        #expect(!state.showsHelp && state.tuning.threshold == 1.8)
    }
}

@Suite struct SaveThresholdTests {
    @Test func savingHandsOverTheCursorThresholdOnce() {
        var state = ConsoleState(runName: "tex", images: ViewTests.images, threshold: 1.8)
        state.handle(.tab)
        state.handle(.character("b"))
        state.handle(.character("s"))
        #expect(state.takeRequests() == [.saveThreshold(1.5)])
        #expect(state.takeRequests().isEmpty)
        #expect(state.message.contains("1.5000 saved"))
    }

    @Test func savedThresholdIsWhatTheRunUses() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-threshold-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let run = RunFolder(folder)
        let metadata = CheckpointMetadata(configuration: TrainingConfiguration(), data: .path("d"), epoch: 1, threshold: 1.8, teacherWeights: "w")
        try Checkpoint(model: ["w": .zeros([1])], optimizer: [:], metadata: metadata).write(to: run.checkpoint)
        try run.saveThreshold(1.5)
        #expect(try Checkpoint.read(run.checkpoint).metadata.threshold == 1.5)
        #expect(try Checkpoint.read(run.checkpoint).model["w"]?.scalars == [0])
    }
}

/// The Review view and its actions on marks.
@Suite struct ReviewTests {
    // Without exclusion, t = 3.0 (F1 2/3) ties t = 1.5 (TP 2 of 4 predicted: 4/6) and the
    // higher wins; without the false positive at 2.0, t = 1.5 gives 4/5.
    static let images = [
        ThresholdTuning.Image(name: "d/3.png", score: 3.0, isDefect: true),
        ThresholdTuning.Image(name: "g/2.png", score: 2.0, isDefect: false),
        ThresholdTuning.Image(name: "g/19.png", score: 1.9, isDefect: false),
        ThresholdTuning.Image(name: "d/15.png", score: 1.5, isDefect: true),
    ]

    @Test func refitLeavesOutMarkedFalsePositives() {
        var state = ConsoleState(runName: "r", images: Self.images, threshold: 1.0)
        state.handle(.character("2"))
        state.handle(.character("b"))
        #expect(state.tuning.threshold == 3.0)
        state.handle(.character("1"))
        state.handle(.down)  // g/2.png
        state.handle(.character("f"))
        state.handle(.character("4"))
        state.handle(.character("r"))
        #expect(state.tuning.threshold == 1.5)
        #expect(state.message.contains("without the 1 marked false positives"))
    }

    @Test func reviewViewListsMarksAndClears() {
        var state = ConsoleState(runName: "r", images: Self.images, threshold: 1.0, marks: ["g/2.png": .falsePositive, "d/15.png": .confirmedDefect])
        state.handle(.character("4"))
        let screen = MemoryScreen(width: 100, height: 12)
        ReviewView().draw(state, on: screen)
        let text = ViewTests.text(screen)
        #expect(text.contains("2 marks: 1 false-positive · 0 false-negative · 1 confirmed-defect"))
        #expect(screen.line(3).hasPrefix("▶ confirmed-defect    1.5000  defect   d/15.png"))
        #expect(screen.line(4).hasPrefix("  false-positive      2.0000  good     g/2.png"))
        state.handle(.character("c"))
        #expect(state.marks.count == 1)
        let requests = state.takeRequests()
        #expect(requests.count == 1)
        if case let .appendMark(mark) = requests.first { #expect(mark.image == "d/15.png" && mark.verdict == .clear) }
        state.handle(.character("e"))
        state.handle(.character("a"))
        #expect(state.takeRequests() == [.exportMarks, .addFalsePositivesToTraining])
    }
}

/// Every view, with and without the help overlay, at every window size down to one cell:
/// nothing is drawn outside the window, nothing traps, and a window too small for a view says so.
@Suite struct SmallWindowTests {
    @Test func everyViewDrawsAtEverySize() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-small-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var state = ConsoleState(runName: "tex", images: ViewTests.images, threshold: 1.8)
        state.training = TrainingProgress(history: (1...3).flatMap { epoch in
            (1...4).map { TrainLog.Row(epoch: epoch, step: $0, loss: 3 - Float(epoch) * 0.5 - Float($0) * 0.01, learningRate: 0.005, seconds: 1) }
        }, epochs: 3)
        for view in ConsoleState.View.allCases {
            state.show(view)
            for help in [false, true] {
                if state.showsHelp != help { state.handle(.character("?")) }
                for width in [1, 2, 5, 12, 29, 30, 40, 43, 44, 60, 120] {
                    for height in [1, 2, 3, 5, 6, 9, 12, 15, 16, 30] {
                        let screen = MemoryScreen(width: width, height: height)
                        if !Chrome.drawsTooSmall(state, theme: .standard, on: screen) {
                            switch view {
                            case .browser: BrowserView().draw(state, pane: nil, on: screen)
                            case .histogram: HistogramView().draw(state, on: screen)
                            case .training: TrainingView().draw(state, on: screen)
                            case .review: ReviewView().draw(state, on: screen)
                            }
                        }
                        if help { HelpOverlay().draw(state, on: screen) }
                        let needed = Chrome.minimumSize(of: view)
                        let text = (0..<height).map(screen.line).joined(separator: "\n")
                        if width >= 30 && height >= 4 && (width < needed.width || height < needed.height) && !help {
                            #expect(text.contains("too small"), "\(view) at \(width)×\(height)")
                        }
                    }
                }
            }
            if state.showsHelp { state.handle(.character("?")) }
        }
    }
}
