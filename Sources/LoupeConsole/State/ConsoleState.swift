import Foundation
import LoupeEngine
import LoupeImaging

/// A key, independent of the terminal library (so tests can drive the console).
public enum ConsoleKey: Equatable, Sendable {
    case up, down, left, right, pageUp, pageDown, tab, enter, backspace, escape, quit
    case character(Character)
}

/// Everything the console shows, changed only by `handle(_:)` and the controller's
/// events; views draw from it.
public struct ConsoleState: Sendable {
    public enum View: String, Sendable, CaseIterable { case browser, histogram, training, review }
    public enum PaneMode: String, Sendable, CaseIterable { case image, heat, overlay, contour }
    public enum SortOrder: String, Sendable { case score, name }
    /// Which images the Browser lists.
    public enum Filter: Equatable, Sendable {
        case all, kind(String), predictedDefect, predictedGood, misclassified, marked

        public var label: String {
            switch self {
            case .all: return "all"
            case let .kind(kind): return kind
            case .predictedDefect: return "verdict defect"
            case .predictedGood: return "verdict good"
            case .misclassified: return "misclassified"
            case .marked: return "marked"
            }
        }
    }

    public let runName: String
    public private(set) var tuning: ThresholdTuning
    /// Indices into `tuning.images` the Browser lists, in order.
    public private(set) var visible: [Int] = []
    public private(set) var selected = 0
    public private(set) var view = View.browser
    public private(set) var pane = PaneMode.overlay
    public private(set) var sort = SortOrder.score
    public private(set) var filter = Filter.all
    public private(set) var colourMap: ColourMap
    public private(set) var histogramIsLogarithmic = false
    public private(set) var histogramIsStacked = true
    public private(set) var showsHelp = false
    /// The image pane at native resolution (1:1) around the hottest point.
    public private(set) var zoomed = false
    /// The threshold being typed after `=`, or nil.
    public private(set) var typedThreshold: String?
    /// Standing operator marks by image.
    public private(set) var marks: [String: ReviewMark.Verdict] = [:]
    public private(set) var selectedMark = 0
    public var training = TrainingProgress()
    public private(set) var message = ""
    public private(set) var wantsToQuit = false
    private var requests: [ConsoleRequest] = []

    public init(runName: String, images: [ThresholdTuning.Image], threshold: Float?, marks: [String: ReviewMark.Verdict] = [:],
                colourMap: ColourMap = .turbo) {
        self.runName = runName
        tuning = ThresholdTuning(images: images, threshold: threshold)
        self.marks = marks
        self.colourMap = colourMap
        refreshVisible()
    }

    public var items: [ThresholdTuning.Image] { visible.map { tuning.images[$0] } }
    public var selectedItem: ThresholdTuning.Image? { visible.indices.contains(selected) ? tuning.images[visible[selected]] : nil }
    /// Marked images, by name.
    public var markedNames: [String] { marks.keys.sorted() }
    /// Every filter the `/` key cycles through: all, each kind, verdicts, mistakes, marks.
    public var filters: [Filter] {
        [.all] + Array(Set(tuning.images.map(\.kind))).sorted().map(Filter.kind) + [.predictedDefect, .predictedGood, .misclassified, .marked]
    }

    /// Images scored while the console is open (evaluation running in the background); the
    /// selected image stays selected.
    public mutating func add(_ images: [ThresholdTuning.Image]) {
        guard !images.isEmpty else { return }
        let name = selectedItem?.name
        tuning.add(images)
        refreshVisible(keeping: name)
    }

    /// Shows a message in the key bar until the next key.
    public mutating func say(_ text: String) { message = text }

    /// Opens a view (the controller does when a job starts or ends).
    public mutating func show(_ view: View) { self.view = view }

    public mutating func handle(_ key: ConsoleKey) {
        message = ""
        if showsHelp {
            showsHelp = false
            if key == .character("q") || key == .quit { wantsToQuit = true }
            return
        }
        if typedThreshold != nil { return typeThreshold(key) }
        switch (view, key) {
        case (_, .quit), (_, .character("q")): wantsToQuit = true
        case (_, .character("?")): showsHelp = true
        case (_, .tab):
            view = View.allCases[(View.allCases.firstIndex(of: view)! + 1) % View.allCases.count]
        case let (_, .character(digit)) where ("1"..."4").contains(digit):
            view = View.allCases[Int(String(digit))! - 1]
        case (_, .character("m")):
            colourMap = ColourMap.allCases[(ColourMap.allCases.firstIndex(of: colourMap)! + 1) % ColourMap.allCases.count]
            message = "colour map \(colourMap.rawValue)"
        case (.browser, .down), (.browser, .character("j")): moveSelection(by: 1)
        case (.browser, .up), (.browser, .character("k")): moveSelection(by: -1)
        case (.browser, .pageDown): moveSelection(by: 10)
        case (.browser, .pageUp): moveSelection(by: -10)
        case (.browser, .character("o")):
            pane = PaneMode.allCases[(PaneMode.allCases.firstIndex(of: pane)! + 1) % PaneMode.allCases.count]
        case (.browser, .character("z")):
            zoomed.toggle()
            message = zoomed ? "1:1 native pixels around the hottest point (z: whole image)" : "whole image"
        case (.browser, .character("s")):
            sort = sort == .score ? .name : .score
            refreshVisible(keeping: selectedItem?.name)
            message = "sorted by \(sort.rawValue)"
        case (.browser, .character("/")):
            let all = filters
            filter = all[((all.firstIndex(of: filter) ?? 0) + 1) % all.count]
            refreshVisible(keeping: selectedItem?.name)
            message = "showing \(filter.label): \(visible.count) of \(tuning.images.count)"
        case (.browser, .character("f")): mark(.falsePositive)
        case (.browser, .character("n")): mark(.falseNegative)
        case (.browser, .character("d")): mark(.confirmedDefect)
        case (.browser, .character("c")): mark(.clear)
        case (.histogram, .right), (.histogram, .character("l")): tuning.move(bins: 1)
        case (.histogram, .left), (.histogram, .character("h")): tuning.move(bins: -1)
        case (.histogram, .character("b")):
            tuning.jumpToBestF1()
            message = "threshold at best F1"
        case (.histogram, .character("p")):
            tuning.jump(toFalsePositiveRate: 0.01)
            message = "threshold for 1 % false positives on good images"
        case (.histogram, .character("=")): typedThreshold = ""
        case (.histogram, .character("g")): histogramIsLogarithmic.toggle()
        case (.histogram, .character("v")): histogramIsStacked.toggle()
        case (.histogram, .character("s")):
            requests.append(.saveThreshold(tuning.threshold))
            message = String(format: "threshold %.4f saved to the run: infer and eval use it", tuning.threshold)
        case (.training, .character("t")):
            if training.status.isRunning { message = "a job is already running" } else { requests.append(.startTraining) }
        case (.training, .character("x")):
            if training.status.isRunning { requests.append(.stopTraining); message = "stopping after this batch…" }
        case (.review, .down), (.review, .character("j")): selectedMark = min(selectedMark + 1, max(marks.count - 1, 0))
        case (.review, .up), (.review, .character("k")): selectedMark = max(selectedMark - 1, 0)
        case (.review, .character("e")): requests.append(.exportMarks)
        case (.review, .character("a")): requests.append(.addFalsePositivesToTraining)
        case (.review, .character("c")):
            if markedNames.indices.contains(selectedMark) { setMark(.clear, on: markedNames[selectedMark]) }
        case (.review, .character("r")):
            let excluded = Set(marks.filter { $0.value == .falsePositive }.keys)
            tuning.jumpToBestF1(excluding: excluded)
            message = String(format: "threshold %.4f: best F1 without the %d marked false positives (s in the histogram saves it)",
                             tuning.threshold, excluded.count)
        default: break
        }
    }

    private mutating func typeThreshold(_ key: ConsoleKey) {
        guard let text = typedThreshold else { return }
        switch key {
        case let .character(c) where c.isNumber || c == "." || c == "-" || c == "e": typedThreshold = text + String(c)
        case .backspace: typedThreshold = String(text.dropLast())
        case .escape: typedThreshold = nil
        case .enter:
            typedThreshold = nil
            if let value = Float(text), value.isFinite {
                tuning.set(value)
                message = String(format: "threshold set to %.4f", value)
            } else {
                message = "'\(text)' is not a number; threshold unchanged"
            }
        default: break
        }
    }

    private mutating func moveSelection(by offset: Int) {
        selected = min(max(selected + offset, 0), max(visible.count - 1, 0))
    }

    private mutating func refreshVisible(keeping name: String? = nil) {
        let images = tuning.images
        var indices = images.indices.filter { index in
            let image = images[index]
            switch filter {
            case .all: return true
            case let .kind(kind): return image.kind == kind
            case .predictedDefect: return image.score >= tuning.threshold
            case .predictedGood: return image.score < tuning.threshold
            case .misclassified: return (image.score >= tuning.threshold) != image.isDefect
            case .marked: return marks[image.name] != nil
            }
        }
        switch sort {
        case .score: indices.sort { images[$0].score > images[$1].score || (images[$0].score == images[$1].score && images[$0].name < images[$1].name) }
        case .name: indices.sort { images[$0].name < images[$1].name }
        }
        visible = indices
        if let name, let position = indices.firstIndex(where: { images[$0].name == name }) { selected = position }
        selected = min(selected, max(indices.count - 1, 0))
    }

    private mutating func mark(_ verdict: ReviewMark.Verdict) {
        guard let item = selectedItem else { return }
        setMark(verdict, on: item.name)
    }

    private mutating func setMark(_ verdict: ReviewMark.Verdict, on name: String) {
        marks[name] = verdict == .clear ? nil : verdict
        requests.append(.appendMark(ReviewMark(image: name, verdict: verdict, threshold: tuning.threshold)))
        selectedMark = min(selectedMark, max(marks.count - 1, 0))
        message = "\((name as NSString).lastPathComponent): \(verdict.rawValue)"
    }

    /// What the keys asked the controller to do since the last call.
    public mutating func takeRequests() -> [ConsoleRequest] {
        defer { requests = [] }
        return requests
    }

    /// "defect" or "good" at the current threshold.
    public func verdict(_ item: ThresholdTuning.Image) -> String { item.score >= tuning.threshold ? "defect" : "good" }
}
