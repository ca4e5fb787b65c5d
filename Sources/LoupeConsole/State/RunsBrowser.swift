import Foundation
import LoupeEngine

/// The Runs view's state: every run of a folder, sorted by a column, one selected, up to
/// two marked for A/B. Changed only by `handle(_:)` and `update(_:)`.
public struct RunsBrowser: Sendable {
    /// A column of the table; every one sorts.
    public enum Column: Int, Sendable, CaseIterable {
        case name, variant, teacher, input, epochs, state, threshold, imageAUROC, pixelAUROC, aupro, pixelAP, iap

        public var header: String {
            switch self {
            case .name: return "run"
            case .variant: return "variant"
            case .teacher: return "teacher"
            case .input: return "input"
            case .epochs: return "epochs"
            case .state: return "state"
            case .threshold: return "threshold"
            default: return RunSummary.metricColumns[rawValue - Column.imageAUROC.rawValue].0
            }
        }

        /// The metrics.json key of a metric column.
        var metricKey: String? { rawValue >= Column.imageAUROC.rawValue ? RunSummary.metricColumns[rawValue - Column.imageAUROC.rawValue].1 : nil }

        /// Metrics and progress sort best first; names and settings A to Z.
        var descendsFirst: Bool { metricKey != nil || self == .epochs }
    }

    /// What a key asked the controller to do.
    public enum Request: Equatable, Sendable {
        case open(String)
        case compare(String, String)
    }

    public let directory: String
    public private(set) var runs: [RunSummary] = []
    /// The rows listed, in order: runs, or with `groupsSeeds` one row per variant's seeds.
    public private(set) var rows: [RunSummary] = []
    /// Whether the seeds of one variant share a row (their mean; key g lists each seed).
    public private(set) var groupsSeeds = true
    public private(set) var selected = 0
    public private(set) var sortColumn = Column.name
    public private(set) var descending = false
    /// Paths marked for A/B, in the order marked (A first).
    public private(set) var marked: [String] = []
    public private(set) var message = ""
    public private(set) var showsHelp = false
    /// Rows whose variant or name contains this (key /); empty: every run.
    public private(set) var filter = ""
    /// The filter being typed after /, until Enter (or Esc) ends it.
    public private(set) var typedFilter: String?
    public private(set) var wantsToQuit = false
    private var requests: [Request] = []

    public init(directory: String, runs: [RunSummary] = []) {
        self.directory = directory
        update(runs)
    }


    /// Whether `run` passes the filter (case-insensitive, on its variant or name).
    func passes(_ run: RunSummary) -> Bool {
        filter.isEmpty || [run.variant ?? "", run.name].contains { $0.localizedCaseInsensitiveContains(filter) }
    }
    public var selectedRun: RunSummary? { rows.indices.contains(selected) ? rows[selected] : nil }

    /// New summaries (a refresh); the selected run stays selected.
    public mutating func update(_ summaries: [RunSummary]) {
        let keep = selectedRun?.path
        runs = summaries
        sortRows(keeping: keep)
        marked = marked.filter { path in summaries.contains { $0.path == path } || rows.contains { $0.path == path } }
    }

    public mutating func say(_ text: String) { message = text }

    public mutating func handle(_ key: ConsoleKey) {
        message = ""
        if showsHelp {
            // Any key closes the help; q also quits.
            (showsHelp, wantsToQuit) = (false, key.quits)
            return
        }
        if let typed = typedFilter {
            switch key {
            case .enter:
                (filter, typedFilter) = (typed, nil)
                sortRows(keeping: selectedRun?.path)
                message = filter.isEmpty ? "every run listed" : (rows.count == 1 ? "1 row matches" : "\(rows.count) rows match") + " '\(filter)' (/ then Enter clears)"
            case .escape: typedFilter = nil
            case .backspace: typedFilter = String(typed.dropLast())
            case let .character(character): typedFilter = typed + String(character)
            default: break
            }
            return
        }
        switch key {
        case .character("/"): typedFilter = ""
        case .quit, .character("q"): wantsToQuit = true
        case .character("?"): showsHelp = true
        case .down, .character("j"): selected = min(selected + 1, max(rows.count - 1, 0))
        case .up, .character("k"): selected = max(selected - 1, 0)
        case .pageDown: selected = min(selected + 10, max(rows.count - 1, 0))
        case .pageUp: selected = max(selected - 10, 0)
        case .right, .character("l"), .left, .character("h"):
            let step = key == .right || key == .character("l") ? 1 : Column.allCases.count - 1
            sortColumn = Column.allCases[(sortColumn.rawValue + step) % Column.allCases.count]
            descending = sortColumn.descendsFirst
            sortRows(keeping: selectedRun?.path)
            message = "sorted by \(sortColumn.header)" + (descending ? ", highest first" : "")
        case .character("r"):
            descending.toggle()
            sortRows(keeping: selectedRun?.path)
            message = "sorted by \(sortColumn.header)" + (descending ? ", highest first" : ", lowest first")
        case .character(" "), .character("x"):
            guard let run = selectedRun else { return }
            if let index = marked.firstIndex(of: run.path) {
                marked.remove(at: index)
            } else {
                marked.append(run.path)
                if marked.count > 2 { marked.removeFirst() }
            }
            message = marked.count == 2 ? "A \(name(marked[0])) · B \(name(marked[1])): a opens them side by side"
                : marked.isEmpty ? "no runs marked" : "A \(name(marked[0])): mark a second run for B"
        case .character("g"):
            groupsSeeds.toggle()
            sortRows(keeping: selectedRun?.members.first?.path ?? selectedRun?.path)
            message = groupsSeeds ? "one row per variant: the mean over its seeds (g lists every seed)" : "every seed listed (g groups a variant's seeds)"
        case .character("a"):
            if marked.count == 2 {
                let (a, b) = (representative(marked[0]), representative(marked[1]))
                requests.append(.compare(a.path, b.path))
                return
            }
            // Nothing marked: the two best rows by the sorted column.
            let readable = rows.filter { $0.problem == nil }
            guard readable.count >= 2 else { return message = "mark two runs (space) to compare them" }
            let (a, b) = (representative(readable[0].path), representative(readable[1].path))
            requests.append(.compare(a.path, b.path))
            message = "A \(a.name) · B \(b.name): the two first by \(sortColumn.header) (space marks others)"
        case .enter:
            guard let row = selectedRun else { return }
            if let problem = row.problem { return message = "\(row.name) cannot be opened: \(problem)" }
            let run = representative(row.path)
            requests.append(.open(run.path))
            if !row.members.isEmpty { message = "\(run.name): " + (sortColumn.metricKey != nil ? "its best seed by \(sortColumn.header)" : "its first seed") }
        default: break
        }
    }

    /// What the keys asked for since the last call.
    public mutating func takeRequests() -> [Request] {
        defer { requests = [] }
        return requests
    }

    /// A cell's text for `run` in `column`.
    public static func cell(_ run: RunSummary, _ column: Column) -> String {
        switch column {
        case .name: return run.name
        case .variant: return run.variant ?? "—"
        case .teacher: return run.teacher.map(Self.shortTeacher) ?? "—"
        case .input: return run.input ?? "—"
        case .epochs: return run.epochs.map(String.init) ?? "—"
        case .state: return run.problem == nil ? run.progress.label : "unreadable"
        case .threshold: return run.threshold.map { String(format: "%.4f", $0) } ?? "—"
        default: return run.metrics[column.metricKey ?? ""].map { String(format: "%.1f", 100 * $0) } ?? "—"
        }
    }

    /// "efficientnet-lite0" → "lite0".
    /// "lite0", or "lite0+lite2" for two teachers.
    static func shortTeacher(_ name: String) -> String {
        name.split(separator: ",").map { part in
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("efficientnet-") ? String(trimmed.dropFirst("efficientnet-".count)) : trimmed
        }.joined(separator: "+")
    }

    private func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    /// The run a row's path stands for: itself, or for a row of seeds the best of them by
    /// the sorted metric column (the first seed when it sorts by something else).
    func representative(_ path: String) -> RunSummary {
        guard let row = rows.first(where: { $0.path == path }) ?? runs.first(where: { $0.path == path }) else {
            return RunSummary(path: path, progress: .untrained)
        }
        guard let first = row.members.first else { return row }
        guard let key = sortColumn.metricKey else { return first }
        return row.members.max { ($0.metrics[key] ?? -.infinity) < ($1.metrics[key] ?? -.infinity) } ?? first
    }

    private mutating func sortRows(keeping path: String?) {
        let column = sortColumn, descending = descending
        func key(_ run: RunSummary) -> (number: Double?, text: String) {
            switch column {
            case .epochs: return (run.epochs.map(Double.init), "")
            case .threshold: return (run.threshold.map(Double.init), "")
            case .state: return (run.problem == nil ? Double(run.progress.rank) : -1, "")  // unreadable runs below untrained ones
            default: return column.metricKey.map { (run.metrics[$0], "") } ?? (nil, Self.cell(run, column))
            }
        }
        let listed = (groupsSeeds ? SeedGroup.rows(runs) : runs).filter(passes)
        rows = listed.sorted { a, b in
            // Unreadable runs go last whatever the order.
            if (a.problem == nil) != (b.problem == nil) { return a.problem == nil }
            let (x, y) = (key(a), key(b))
            // Runs without the value go last either way; ties by name.
            switch (x.number, y.number) {
            case let (p?, q?) where p != q: return descending ? p > q : p < q
            case (_?, nil): return true
            case (nil, _?): return false
            default:
                if x.text != y.text { return descending ? x.text > y.text : x.text < y.text }
                return a.name < b.name
            }
        }
        // The row of the run kept selected, or the row of seeds that holds it.
        if let path, let position = rows.firstIndex(where: { $0.path == path || $0.members.contains { $0.path == path } }) { selected = position }
        selected = min(selected, max(rows.count - 1, 0))
    }
}
