import CNcursesw
import Foundation
import LoupeEngine
import LoupeImaging
import LoupeModels

/// `loupe console`: browse a run's scored test images, tune the threshold, mark mistakes.
/// State changes only through keys; each frame redraws from state; heat maps are computed
/// for the selected image when first shown and kept for the session.
public final class Console {
    let run: RunFolder
    var state: ConsoleState
    let journal: ReviewJournal
    let scorer: Scorer
    private var maps: [String: [Float]] = [:]

    /// Opens a run that `loupe eval` has scored (its scores.csv).
    public init(run: RunFolder) throws {
        guard run.exists else { throw RunError.missingRun(path: run.path) }
        let checkpoint = try Checkpoint.read(run.checkpoint)
        guard let backbone = checkpoint.metadata.configuration.backboneName else {
            throw RunError.unknownBackbone(name: checkpoint.metadata.configuration.backbone)
        }
        self.run = run
        scorer = try Scorer(checkpoint: checkpoint, backbone: backbone)
        journal = try ReviewJournal(path: run.path + "/review.jsonl")
        let images = try Self.readScores(run.scores)
        state = ConsoleState(runName: (run.path as NSString).lastPathComponent, images: images, threshold: checkpoint.metadata.threshold,
                             marks: journal.currentVerdicts.mapValues(\.verdict))
    }

    /// scores.csv rows (file, kind, label, score, verdict).
    static func readScores(_ path: String) throws -> [ThresholdTuning.Image] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw RunError.noTestImages(path: path + " (run `loupe eval` first)")
        }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 4, let score = Float(fields[3]) else { return nil }
            return ThresholdTuning.Image(name: String(fields[0]), score: score, isDefect: fields[2] == "1")
        }
    }

    /// The selected image as the pane mode shows it.
    func paneImage() -> Image? {
        guard let item = state.selectedItem, let image = try? PNG.read(item.name) else { return nil }
        let size = scorer.preprocessing.size
        let resized = image.resized(width: size, height: size).rgb()
        if state.pane == .image { return resized }
        if maps[item.name] == nil, let input = try? scorer.preprocessing.input(item.name) {
            maps[item.name] = scorer.anomalyMap(input).scalars
        }
        guard let map = maps[item.name] else { return resized }
        // Threshold-anchored: the image threshold sits mid-scale, so hot means above it.
        let heat = Image.heatMap(map, width: size, height: size, low: 0, high: 2 * state.tuning.threshold, colourMap: .turbo)
        return state.pane == .heat ? heat : resized.overlaid(with: heat, opacity: 0.45)
    }

    /// Draws the current view onto `screen`.
    public func draw(on screen: any Screen) {
        switch state.view {
        case .browser: BrowserView().draw(state, pane: paneImage(), on: screen)
        case .histogram: HistogramView().draw(state, on: screen)
        }
        screen.present()
    }

    /// Applies a key; new marks go to the journal (fsync'd) at once.
    public func handle(_ key: ConsoleKey) throws {
        state.handle(key)
        for mark in state.takeNewMarks() { try journal.append(mark) }
        if let threshold = state.takeThresholdToSave() { try run.saveThreshold(threshold) }
    }

    public var isFinished: Bool { state.wantsToQuit }

    /// Runs in the terminal until `q`; the terminal is restored on every way out.
    public func runInTerminal(forceASCII: Bool) throws {
        let screen = TerminalScreen(forceASCII: forceASCII)
        defer { screen.restore() }
        draw(on: screen)
        while !isFinished {
            guard let code = screen.key(waitingMilliseconds: 200) else { continue }
            if code == TerminalScreen.resizeKey { screen.resize(); draw(on: screen); continue }
            guard let key = Self.key(code) else { continue }
            try handle(key)
            draw(on: screen)
        }
    }

    static func key(_ code: Int32) -> ConsoleKey? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case 9: return .tab
        case 27: return nil
        default:
            guard let scalar = Unicode.Scalar(UInt32(max(0, code))) else { return nil }
            return .character(Character(scalar))
        }
    }
}
