import Foundation
import LoupeEngine
import LoupeImaging

/// A key, independent of the terminal library (so tests can drive the console).
public enum ConsoleKey: Equatable, Sendable {
    case up, down, left, right, pageUp, pageDown, tab, enter, backspace, escape, quit
    case character(Character)

    /// `q` or the quit key (Ctrl-C).
    public var quits: Bool { self == .character("q") || self == .quit }
}

/// Everything the console shows, changed only by `handle(_:)` and the controller's
/// events; views draw from it.
public struct ConsoleState: Sendable {
    public enum View: String, Sendable, CaseIterable { case browser, histogram, training, review }
    public enum PaneMode: String, Sendable, CaseIterable { case image, heat, overlay, contour }
    public enum SortOrder: String, Sendable { case score, name, difference }
    /// Which images the Browser lists.
    public enum Filter: Equatable, Sendable {
        case all, kind(String), predictedDefect, predictedGood, misclassified, marked
        /// A/B: the two runs' verdicts differ.
        case disagreeing

        public var label: String {
            switch self {
            case .all: return "all"
            case let .kind(kind): return kind
            case .predictedDefect: return "verdict defect"
            case .predictedGood: return "verdict good"
            case .misclassified: return "misclassified"
            case .marked: return "marked"
            case .disagreeing: return "A and B disagree"
            }
        }
    }

    /// A/B: the run compared with this one on the same images.
    public struct Comparison: Sendable {
        public let runName: String
        /// Its scores, threshold and histogram (its threshold is its own; keys move A's).
        public internal(set) var tuning: ThresholdTuning
        let scores: [String: Float]
        /// Its scores as ranks among its images (0 lowest, 1 highest): two methods' scores
        /// are on different scales, their ranks are not.
        let ranks: [String: Float]

        public init(runName: String, images: [ThresholdTuning.Image], threshold: Float?) {
            self.runName = runName
            tuning = ThresholdTuning(images: images, threshold: threshold)
            scores = Dictionary(images.map { (Self.key($0.name), $0.score) }, uniquingKeysWith: { first, _ in first })
            ranks = Self.ranks(images)
        }

        public func score(of name: String) -> Float? { scores[Self.key(name)] }

        func rank(of name: String) -> Float? { ranks[Self.key(name)] }

        /// An image's identity across runs: its absolute path (one run may have named it
        /// relative to where it ran, the other absolutely).
        static func key(_ name: String) -> String { URL(fileURLWithPath: name).standardizedFileURL.path }

        static func ranks(_ images: [ThresholdTuning.Image]) -> [String: Float] {
            let sorted = images.sorted { $0.score < $1.score }
            let scale = Float(max(sorted.count - 1, 1))
            return Dictionary(sorted.enumerated().map { (key($1.name), Float($0) / scale) }, uniquingKeysWith: { first, _ in first })
        }
    }

    public let runName: String
    public private(set) var tuning: ThresholdTuning
    public private(set) var comparison: Comparison?
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
    /// Outline the part's box a ROI run cropped to (runs trained with `--roi`).
    public private(set) var showsRegion = true
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
                colourMap: ColourMap = .turbo, comparison: Comparison? = nil) {
        self.runName = runName
        self.comparison = comparison
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
            + (comparison == nil ? [] : [.disagreeing])
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
            // Any key closes the help; q also quits.
            (showsHelp, wantsToQuit) = (false, key.quits)
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
        case (.browser, .character("r")):
            showsRegion.toggle()
            message = showsRegion ? "outlining the part's box the ROI run cropped to (runs trained with --roi)" : "ROI outline hidden"
        case (.browser, .character("s")):
            sort = sort == .score ? .name : sort == .name && comparison != nil ? .difference : .score
            refreshVisible(keeping: selectedItem?.name)
            message = sort == .difference ? "sorted by how differently A and B rank each image" : "sorted by \(sort.rawValue)"
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
        case (.histogram, .character("z")):
            tuning.showsFullRange.toggle()
            comparison?.tuning.showsFullRange = tuning.showsFullRange
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
            case .disagreeing: return verdictB(image).map { $0 != verdict(image) } ?? false
            }
        }
        switch sort {
        case .score: indices.sort { images[$0].score > images[$1].score || (images[$0].score == images[$1].score && images[$0].name < images[$1].name) }
        case .name: indices.sort { images[$0].name < images[$1].name }
        case .difference:
            let ranksA = Comparison.ranks(images)
            func gap(_ index: Int) -> Float {
                let name = images[index].name, a = ranksA[Comparison.key(name)] ?? 0
                return abs(a - (comparison?.rank(of: name) ?? a))
            }
            indices.sort { gap($0) > gap($1) || (gap($0) == gap($1) && images[$0].name < images[$1].name) }
        }
        visible = indices
        if let name, let position = indices.firstIndex(where: { images[$0].name == name }) { selected = position }
        selected = min(selected, max(indices.count - 1, 0))
    }

    private mutating func mark(_ verdict: ReviewMark.Verdict) {
        guard let item = selectedItem else { return }
        setMark(verdict, on: item.name)
    }

    /// A mark the journal could not store: the image shows its last saved verdict again, and
    /// the message says the mark was not saved and why.
    public mutating func markNotSaved(_ mark: ReviewMark, saved: ReviewMark.Verdict?, reason: String) {
        marks[mark.image] = saved
        selectedMark = min(selectedMark, max(marks.count - 1, 0))
        message = "\((mark.image as NSString).lastPathComponent): \(mark.verdict.rawValue) NOT saved: \(reason)"
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

    /// A/B: run B's verdict at its own threshold, when it scored the image.
    public func verdictB(_ item: ThresholdTuning.Image) -> String? {
        guard let comparison, let score = comparison.score(of: item.name) else { return nil }
        return score >= comparison.tuning.threshold ? "defect" : "good"
    }
}
