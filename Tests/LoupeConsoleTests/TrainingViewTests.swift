import Foundation
@testable import LoupeConsole
import LoupeEngine
import LoupeImaging
import LoupeModels
import Testing

/// The Training view's state folded from job events, and how it is drawn.
@Suite struct TrainingViewTests {
    static func progress() -> TrainingProgress {
        var progress = TrainingProgress(epochs: 3)
        let start = Date(timeIntervalSince1970: 1000)
        progress.apply(.training(.cachingTeacherFeatures(done: 60, total: 60, fromDisk: 0)), now: start)
        // Two epochs of 4 steps, one second per step.
        for step in 0..<8 {
            let (epoch, index) = (step / 4 + 1, step % 4 + 1)
            progress.apply(.training(.step(epoch: epoch, step: index, stepsPerEpoch: 4, loss: 2 - Float(step) * 0.1, terms: [],
                                           learningRate: 0.005, imagesPerSecond: 8)), now: start.addingTimeInterval(Double(step)))
            if index == 4 { progress.apply(.training(.epochFinished(epoch: epoch, meanLoss: 2 - Float(step) * 0.1 + 0.15, seconds: 4))) }
        }
        return progress
    }

    @Test func eventsFoldIntoLossesRateAndETA() {
        let progress = Self.progress()
        #expect(progress.status == .training && progress.epoch == 2 && progress.step == 4)
        #expect(progress.stepLosses.count == 8 && progress.epochLosses.count == 2)
        // 1 s per step, one epoch of 4 steps left.
        #expect(progress.secondsRemaining == 4)
        var finished = progress
        finished.apply(.finished)
        #expect(finished.status == .finished && !finished.status.isRunning)
    }

    /// The pass of a frozen network at a stage's start reads as such, and is running work.
    @Test func frozenFeaturesPassShowsItsProgress() {
        var progress = Self.progress()
        progress.apply(.training(.keepingFrozenFeatures(done: 16, total: 60)))
        #expect(progress.status == .keepingFrozenFeatures(done: 16, total: 60) && progress.status.isRunning)
        #expect(TrainingView.statusLine(progress) == "frozen student features 16/60")
    }

    /// The curve has an epoch axis: ticks where labelled epochs begin, far enough apart to
    /// read (every 2 here: 30 epochs over 110 columns), labels under them, and while training
    /// the current epoch marked; steps of epoch e lie between e's tick and the next.
    @Test func curveHasAnEpochAxisWithTheCurrentEpochMarked() {
        var progress = TrainingProgress(epochs: 40)
        for step in 0..<(30 * 6) {
            progress.apply(.training(.step(epoch: step / 6 + 1, step: step % 6 + 1, stepsPerEpoch: 6, loss: 2 - Float(step) * 0.005, terms: [],
                                           learningRate: 0.005, imagesPerSecond: 8)))
            if step % 6 == 5 { progress.apply(.training(.epochFinished(epoch: step / 6 + 1, meanLoss: 1, seconds: 1))) }
        }
        var state = ConsoleState(runName: "new", images: [], threshold: nil)
        state.training = progress
        state.handle(.character("3"))
        let screen = MemoryScreen(width: 120, height: 30)
        TrainingView().draw(state, on: screen)
        let axis = 4 + (30 - 9), labels = axis + 1
        let axisLine = screen.line(axis), labelLine = screen.line(labels)
        #expect(labelLine.hasPrefix("epoch") && axisLine.contains("└┴─"), "\(axisLine)\n\(labelLine)")
        // 110 columns for 180 steps: 110 columns; epoch e starts at column 8 + (e − 1) · 6 · 110 / 180.
        func x(_ epoch: Int) -> Int { 8 + (epoch - 1) * 6 * 110 / 180 }
        let characters = Array(axisLine), labelCharacters = Array(labelLine)
        for epoch in [1, 2, 4, 10, 20, 28] {
            #expect(characters[x(epoch)] == "┴", "tick at epoch \(epoch)")
            #expect(String(labelCharacters[x(epoch)..<(x(epoch) + "\(epoch)".count)]) == "\(epoch)", "label \(epoch): \(labelLine)")
        }
        #expect(characters[x(3)] == "─" && characters[x(30)] == "▲", "no tick at 3; the current epoch (30) is marked")
        #expect(TrainingView.tickSpacing(columnsPerEpoch: 3.7, minimumGap: 6) == 2 && TrainingView.tickSpacing(columnsPerEpoch: 0.5, minimumGap: 6) == 20)
    }

    @Test func viewShowsStatusStatsAndTheCurve() {
        var state = ConsoleState(runName: "new", images: [], threshold: nil)
        state.training = Self.progress()
        state.handle(.character("3"))
        let screen = MemoryScreen(width: 80, height: 20)
        TrainingView().draw(state, on: screen)
        let text = ViewTests.text(screen)
        #expect(screen.line(1).hasPrefix(" epoch 2/3 · step 4/4"))
        #expect(text.contains("loss 1.3000 (last epoch mean 1.4500)   lr 0.00500   8.0 images/s   ETA 0:04"))
        #expect(screen.line(0).contains("epoch 2/3 · step 4/4"))  // the title bar shows it in every view
        // Highest loss (2.0) at the top row of the chart, lowest (1.3) at the bottom.
        let curve = Theme.standard.colour(.curve, depth: .palette256)
        #expect(screen[8, 4].character == "•" && screen[8, 4].foreground == curve)
        #expect((0..<screen.width).contains { screen[$0, 4 + 11 - 1].character == "•" })
        #expect(text.contains("━"))
    }

    /// A loss of several parts (sacd's) shows its latest terms, live and from the log.
    @Test func lossTermsAreShownLiveAndFromTheLog() throws {
        var progress = Self.progress()
        let terms = [LossTerm("good", 0.5), LossTerm("defective", 0.7), LossTerm("contrastive", 0.05)]
        progress.apply(.training(.step(epoch: 3, step: 1, stepsPerEpoch: 4, loss: 1.25, terms: terms, learningRate: 0.005, imagesPerSecond: 8)))
        var state = ConsoleState(runName: "sacd", images: [], threshold: nil)
        state.training = progress
        state.show(.training)
        let screen = MemoryScreen(width: 100, height: 20)
        TrainingView().draw(state, on: screen)
        #expect(screen.line(3).contains("terms (good 0.5000 · defective 0.7000 · contrastive 0.0500)"), "\(screen.line(3))")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-terms-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = folder + "/train-log.csv"
        // A row with terms, one without (rd), and a row from before terms were logged.
        try "epoch,step,loss,lr,seconds,terms\n1,1,1.25,0.005,0.1,good=0.5;defective=0.7;contrastive=0.05\n1,2,0.9,0.005,0.2,\n1,3,0.8,0.005,0.3\n"
            .write(toFile: log, atomically: true, encoding: .utf8)
        let rows = TrainLog.rows(at: log)
        #expect(rows.count == 3 && rows[0].terms == terms && rows[1].terms.isEmpty && rows[2].terms.isEmpty)
        #expect(rows[0].goodImageLoss == 0.5 && rows[1].goodImageLoss == 0.9)
        #expect(TrainingProgress(history: rows, epochs: 1).latestTerms.isEmpty)
        #expect(TrainingProgress(history: Array(rows.prefix(1)), epochs: 1).latestTerms == terms)
    }

    @Test func endOfTrainingChecksAreShown() {
        var state = ConsoleState(runName: "new", images: [], threshold: nil)
        var progress = Self.progress()
        progress.apply(.training(.checkedRunningStatistics(RunningStatisticsCheck(trainingLoss: 1, evaluationLoss: 1.02, recalibratedLoss: nil))))
        #expect(progress.notes.isEmpty, "fresh statistics are not news")
        progress.apply(.training(.restoredBestEpoch(epoch: 2, loss: 1.45, finalLoss: 1.7)))
        progress.apply(.training(.checkedRunningStatistics(RunningStatisticsCheck(trainingLoss: 1.45, evaluationLoss: 2.5, recalibratedLoss: 1.4))))
        state.training = progress
        state.handle(.character("3"))
        let screen = MemoryScreen(width: 200, height: 20)
        TrainingView().draw(state, on: screen)
        #expect(screen.line(3).contains("last epoch spiked (loss 1.7000): kept epoch 2's weights (loss 1.4500)"))
        #expect(screen.line(3).contains("stale BatchNorm statistics recalibrated (evaluation loss 2.5000 → 1.4000)"))
    }

    @Test func startAndStopAreRequestedOnlyWhenTheyMakeSense() {
        var state = ConsoleState(runName: "new", images: [], threshold: nil)
        state.handle(.character("3"))
        state.handle(.character("x"))
        #expect(state.takeRequests().isEmpty)
        state.handle(.character("t"))
        #expect(state.takeRequests() == [.startTraining])
        state.training = Self.progress()
        state.handle(.character("t"))
        #expect(state.takeRequests().isEmpty && state.message == "a job is already running")
        state.handle(.character("x"))
        #expect(state.takeRequests() == [.stopTraining])
    }
}

/// Theme files: the shipped three load, the default file is the built-in default, and
/// mistakes are named.
@Suite struct ThemeTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("themes").path

    @Test func shippedThemesLoadAndDefaultMatchesTheBuiltIn() throws {
        #expect(try Theme(contentsOf: Self.folder + "/default.toml") == .standard)
        let blindSafe = try Theme(contentsOf: Self.folder + "/colour-blind-safe.toml")
        #expect(blindSafe.colourMap == .viridis && blindSafe.colours[.good]! == (0, 0x72, 0xB2))
        #expect(try Theme(contentsOf: Self.folder + "/high-contrast.toml").colourMap == .inferno)
        // Eight colours: each role reduces to an ANSI colour.
        #expect(blindSafe.colour(.defect, depth: .eight) == .palette(3))
    }

    @Test func mistakesNameTheFileLineAndKey() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("theme-\(UUID()).toml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "colour_map = \"rainbow\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TOMLFileError.badValue(path: path, line: 1, key: "colour_map", value: "\"rainbow\"", expected: "jet, turbo, inferno, viridis")) {
            try Theme(contentsOf: path)
        }
        try "[colours]\ngood: green\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try Theme(contentsOf: path) } throws: { error in
            guard case let .syntax(errorPath, line, _) = error as? TOMLFileError else { return false }
            return errorPath == path && line == 2
        }
        try "# a comment\n[colours]\ngood = \"#12345\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TOMLFileError.badValue(path: path, line: 3, key: "colours.good", value: "\"#12345\"", expected: "\"#rrggbb\"")) {
            try Theme(contentsOf: path)
        }
        try "[colours]\ngood = \"#00ff00\"\ngreen = \"#00ff00\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try Theme(contentsOf: path) } throws: { error in
            guard case let .unknownKey(_, line, key, _) = error as? TOMLFileError else { return false }
            return line == 3 && key == "colours.green"
        }
        #expect(throws: ThemeError.self) { try Theme.named("no-such-theme") }
    }
}

/// The pane's mask contour.
@Suite struct PaneImageTests {
    @Test func contourIsTheMasksBoundaryOnly() {
        // A 3×3 block in a 5×5 image: its centre is inside, the other eight pixels are edge.
        let mask = (0..<25).map { (1...3).contains($0 % 5) && (1...3).contains($0 / 5) }
        let outlined = PaneImage.outlined(Image(width: 5, height: 5, channels: 3, value: 10), mask: mask, colour: (255, 0, 255))
        let red = Array(outlined.pixels[0..<25])
        #expect(red.enumerated().filter { $0.element == 255 }.map(\.offset) == [6, 7, 8, 11, 13, 16, 17, 18])
        #expect(red[12] == 10 && red[0] == 10)
    }

    /// A finished or stopped run opens on its train-log.csv: per-step losses, per-epoch
    /// means, and whether `t` would resume it.
    @Test func historyFromTheTrainingLog() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-history-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = folder + "/train-log.csv"
        // Two epochs of three steps, and a torn last line (a crash mid-write) that is skipped.
        try "epoch,step,loss,lr,seconds\n1,1,3.0,0.005,0.1\n1,2,2.0,0.005,0.2\n1,3,1.0,0.005,0.3\n2,1,0.9,0.005,0.4\n2,2,0.6,0.005,0.5\n2,3,0.3,0.005,0.6\n3,1,0.2"
            .write(toFile: log, atomically: true, encoding: .utf8)
        let rows = TrainLog.rows(at: log)
        #expect(rows.count == 6 && rows[4] == TrainLog.Row(epoch: 2, step: 2, loss: 0.6, learningRate: 0.005, seconds: 0.5))
        #expect(TrainLog.rows(at: log, throughEpoch: 1).count == 3)
        let finished = TrainingProgress(history: rows, epochs: 2)
        #expect(finished.status == .finished && finished.epoch == 2 && finished.stepsPerEpoch == 3)
        #expect(finished.stepLosses == [3, 2, 1, 0.9, 0.6, 0.3])
        #expect(abs(finished.epochLosses[0] - 2) < 1e-6 && abs(finished.epochLosses[1] - 0.6) < 1e-6)
        #expect(TrainingProgress(history: rows, epochs: 5).status == .cancelled)
        var state = ConsoleState(runName: "done", images: [], threshold: nil)
        state.training = finished
        state.show(.training)
        let screen = MemoryScreen(width: 80, height: 20)
        TrainingView().draw(state, on: screen)
        let text = (0..<20).map(screen.line).joined(separator: "\n")
        #expect(text.contains("finished: 2 epochs") && text.contains("3.000") && text.contains("0.300") && text.contains("trained in 0:01"))
        #expect(!text.contains("no training running") && !text.contains("the loss curve appears"))
    }

    /// A method of two stages (pfadseg) names the stage and marks where the second began
    /// on the curve, since its loss is another quantity.
    @Test func stagesAreNamedAndMarkedOnTheCurve() {
        var progress = TrainingProgress(epochs: 2)
        progress.apply(.training(.stageStarted(index: 0, count: 2, name: "student", epochs: 1)))
        for step in 1...4 {
            progress.apply(.training(.step(epoch: 1, step: step, stepsPerEpoch: 4, loss: 1.5, terms: [], learningRate: 0.5, imagesPerSecond: 8)))
        }
        progress.apply(.training(.stageStarted(index: 1, count: 2, name: "segmentation", epochs: 1)))
        progress.apply(.training(.step(epoch: 2, step: 1, stepsPerEpoch: 4, loss: 0.2, terms: [LossTerm("focal", 0.05), LossTerm("l1", 0.15)],
                                       learningRate: 0.1, imagesPerSecond: 8)))
        #expect(progress.stage == "stage 2/2 segmentation" && progress.stageStartSteps == [4])
        var state = ConsoleState(runName: "pfadseg", images: [], threshold: nil)
        state.training = progress
        state.show(.training)
        let screen = MemoryScreen(width: 100, height: 20)
        TrainingView().draw(state, on: screen)
        #expect(screen.line(3).hasPrefix(" stage 2/2 segmentation; terms (focal 0.0500 · l1 0.1500)"), "\(screen.line(3))")
        // Five steps over five columns: the marker stands in the fifth column, all the way down.
        let chartRows = (4..<15).map(screen.line)
        #expect(chartRows.allSatisfy { Array($0)[8 + 4] == "┊" || Array($0)[8 + 4] == "•" }, "\(chartRows.joined(separator: "\n"))")
        #expect((0..<20).map(screen.line).joined().contains("┊ next stage (its own loss)"))
    }
}
