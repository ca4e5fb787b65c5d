import Foundation
import LoupeEngine

/// A key, independent of the terminal library (so tests can drive the console).
public enum ConsoleKey: Equatable, Sendable {
    case up, down, left, right, tab, quit
    case character(Character)
}

/// Everything the console shows, changed only by `handle(_:)`; views draw from it.
public struct ConsoleState: Sendable {
    public enum View: String, Sendable { case browser, histogram }
    public enum PaneMode: String, Sendable, CaseIterable { case image, heat, overlay }

    public let runName: String
    public private(set) var items: [ThresholdTuning.Image]
    public private(set) var selected = 0
    public private(set) var view = View.browser
    public private(set) var pane = PaneMode.overlay
    public private(set) var tuning: ThresholdTuning
    /// Standing operator marks by image.
    public private(set) var marks: [String: ReviewMark.Verdict] = [:]
    public private(set) var message = ""
    public private(set) var wantsToQuit = false
    /// Set by `s` in the histogram: the controller writes the threshold into the run.
    public private(set) var thresholdToSave: Float?
    /// Marks made since the last `takeNewMarks()`, for the journal.
    private var newMarks: [ReviewMark] = []

    public init(runName: String, images: [ThresholdTuning.Image], threshold: Float?, marks: [String: ReviewMark.Verdict] = [:]) {
        self.runName = runName
        items = images.sorted { $0.score > $1.score }
        tuning = ThresholdTuning(images: images, threshold: threshold)
        self.marks = marks
    }

    public var selectedItem: ThresholdTuning.Image? { items.indices.contains(selected) ? items[selected] : nil }

    public mutating func handle(_ key: ConsoleKey) {
        message = ""
        switch (view, key) {
        case (_, .quit), (_, .character("q")): wantsToQuit = true
        case (_, .tab), (_, .character("h")): view = view == .browser ? .histogram : .browser
        case (.browser, .down), (.browser, .character("j")): selected = min(selected + 1, max(items.count - 1, 0))
        case (.browser, .up), (.browser, .character("k")): selected = max(selected - 1, 0)
        case (.browser, .character("o")):
            pane = PaneMode.allCases[(PaneMode.allCases.firstIndex(of: pane)! + 1) % PaneMode.allCases.count]
        case (.browser, .character("f")): mark(.falsePositive)
        case (.browser, .character("n")): mark(.falseNegative)
        case (.browser, .character("d")): mark(.confirmedDefect)
        case (.browser, .character("c")): mark(.clear)
        case (.histogram, .right), (.histogram, .character("l")): tuning.move(bins: 1)
        case (.histogram, .left), (.histogram, .character("j")): tuning.move(bins: -1)
        case (.histogram, .character("b")):
            tuning.jumpToBestF1()
            message = "threshold at best F1"
        case (.histogram, .character("p")):
            tuning.jump(toFalsePositiveRate: 0.01)
            message = "threshold for 1 % false positives on good images"
        case (.histogram, .character("s")):
            thresholdToSave = tuning.threshold
            message = String(format: "threshold %.4f saved to the run: infer and eval use it", tuning.threshold)
        default: break
        }
    }

    private mutating func mark(_ verdict: ReviewMark.Verdict) {
        guard let item = selectedItem else { return }
        let mark = ReviewMark(image: item.name, verdict: verdict, threshold: tuning.threshold)
        marks[item.name] = verdict == .clear ? nil : verdict
        newMarks.append(mark)
        message = "\((item.name as NSString).lastPathComponent): \(verdict.rawValue)"
    }

    /// The threshold to write to the run, once.
    public mutating func takeThresholdToSave() -> Float? {
        defer { thresholdToSave = nil }
        return thresholdToSave
    }

    /// The marks to append to the journal since the last call.
    public mutating func takeNewMarks() -> [ReviewMark] {
        defer { newMarks = [] }
        return newMarks
    }

    /// "defect" or "good" at the current threshold.
    public func verdict(_ item: ThresholdTuning.Image) -> String { item.score >= tuning.threshold ? "defect" : "good" }
}
