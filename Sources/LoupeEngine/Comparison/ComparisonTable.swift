import Foundation
import LoupeFormats

/// The answer to "which method for my parts?": per variant, the mean and range over seeds
/// of every metric, and what a run cost; the best of each column marked.
public struct ComparisonTable: Sendable {
    /// A column of the table, in order.
    public enum Column: String, CaseIterable, Sendable {
        case imageAUROC = "image_auroc", pixelAUROC = "pixel_auroc", aupro = "aupro_0.3", pixelAP = "pixel_ap", iap
        case epochSeconds = "epoch_s", millisecondsPerImage = "ms_per_image", peakMemory = "peak_memory_mib"

        public var header: String {
            switch self {
            case .imageAUROC: return "I-AUROC"
            case .pixelAUROC: return "P-AUROC"
            case .aupro: return "AUPRO"
            case .pixelAP: return "P-AP"
            case .iap: return "IAP"
            case .epochSeconds: return "epoch s"
            case .millisecondsPerImage: return "ms/img"
            case .peakMemory: return "peak MiB"
            }
        }

        /// Metrics: higher is better, shown as mean (min–max) in percent. Costs: lower is
        /// better, shown as the median over seeds.
        public var isMetric: Bool { !isCost }
        public var isCost: Bool { [.epochSeconds, .millisecondsPerImage, .peakMemory].contains(self) }
        /// Needs defect masks.
        public var isPixelMetric: Bool { [.pixelAUROC, .aupro, .pixelAP, .iap].contains(self) }

        func value(_ run: ComparedRun) -> Double? {
            let m = run.metrics
            switch self {
            case .imageAUROC: return m.imageAUROC
            case .pixelAUROC: return m.pixelAUROC
            case .aupro: return m.aupro
            case .pixelAP: return m.pixelAveragePrecision
            case .iap: return m.instanceAveragePrecision
            case .epochSeconds: return run.epochSeconds
            case .millisecondsPerImage: return m.inferenceMillisecondsPerImage
            case .peakMemory: return run.peakMemoryBytes.map { Double($0) / 1_048_576 }
            }
        }
    }

    /// One column's summary over a variant's seeds (metrics as fractions, costs in their unit).
    public struct Cell: Sendable, Equatable {
        public let mean: Double, minimum: Double, maximum: Double, median: Double
        /// What the table ranks and shows first: the mean of a metric, the median of a cost.
        public func headline(_ column: Column) -> Double { column.isCost ? median : mean }
    }

    public struct Row: Sendable {
        public let variant: ComparisonVariant
        public let seeds: [UInt64]
        public let cells: [Column: Cell]
    }

    public let columns: [Column]
    public let rows: [Row]
    /// Why columns are missing, when they are.
    public let note: String?
    /// The command that made the table, shown above it.
    public let command: String

    /// The table of `runs` (every finished run of the comparison), rows in `variants`' order.
    public init(runs: [ComparedRun], variants: [ComparisonVariant], command: String) {
        let withMasks = runs.contains { $0.metrics.pixelAUROC != nil }
        columns = Column.allCases.filter { withMasks || !$0.isPixelMetric }
        note = withMasks || runs.isEmpty ? nil
            : "The test set has no defect masks, so the table shows image metrics only: pixel AUROC, AUPRO, pixel AP and IAP need masks (see `loupe train --help`, data sets)."
        rows = variants.compactMap { variant in
            let own = runs.filter { $0.variant == variant }.sorted { $0.seed < $1.seed }
            guard !own.isEmpty else { return nil }
            var cells: [Column: Cell] = [:]
            for column in Column.allCases {
                let values = own.compactMap(column.value).filter(\.isFinite).sorted()
                guard let median = values.median, let minimum = values.min(), let maximum = values.max() else { continue }
                cells[column] = Cell(mean: values.reduce(0, +) / Double(values.count), minimum: minimum, maximum: maximum, median: median)
            }
            return Row(variant: variant, seeds: own.map(\.seed), cells: cells)
        }
        self.command = command
    }

    /// Whether `row`'s cell is the best of its column (every tie marked; never with one row).
    public func isBest(_ row: Row, _ column: Column) -> Bool {
        guard rows.count > 1, let value = row.cells[column]?.headline(column) else { return false }
        let all = rows.compactMap { $0.cells[column]?.headline(column) }
        let rounded = { (x: Double) in (Self.shown(x, column) as NSString).doubleValue }
        return rounded(value) == rounded(column.isCost ? all.min()! : all.max()!)
    }

    /// A number as the table shows it: percent with one decimal for metrics.
    static func shown(_ value: Double, _ column: Column) -> String {
        switch column {
        case .epochSeconds: return String(format: "%.2f", value)
        case .millisecondsPerImage, .peakMemory: return String(format: "%.0f", value)
        default: return String(format: "%.1f", 100 * value)
        }
    }

    /// A cell's text: "91.2 (89.5–94.1)" or "91.2" for one seed; costs "3.61".
    public func text(_ row: Row, _ column: Column) -> String {
        guard let cell = row.cells[column] else { return "—" }
        let head = Self.shown(cell.headline(column), column)
        guard column.isMetric, row.seeds.count > 1 else { return head }
        return head + " (" + Self.shown(cell.minimum, column) + "–" + Self.shown(cell.maximum, column) + ")"
    }

    /// The table in Markdown, the best of each column in bold, with the command above it.
    public var markdown: String {
        var lines = ["`\(command)`", ""]
        lines.append("| variant | seeds | " + columns.map(\.header).joined(separator: " | ") + " |")
        lines.append("|---|---|" + String(repeating: "---|", count: columns.count))
        for row in rows {
            let cells = columns.map { column -> String in
                let text = text(row, column)
                return isBest(row, column) ? "**" + text + "**" : text
            }
            lines.append("| \(row.variant) | \(row.seeds.map(String.init).joined(separator: ",")) | " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("Metrics: mean (min–max) over seeds, in percent; epoch s, ms/img and peak MiB: median over seeds. Bold: best of the column.")
        if let note { lines.append(note) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per variant: for each column its mean, minimum, maximum and median (metrics
    /// as fractions from 0 to 1), and whether it is the column's best.
    public var csv: String {
        var header = ["variant", "seeds"]
        for column in columns { header += ["mean", "min", "max", "median", "best"].map { column.rawValue + "_" + $0 } }
        var text = CSV.record(header)
        for row in rows {
            var fields = [row.variant.description, row.seeds.map(String.init).joined(separator: " ")]
            for column in columns {
                if let cell = row.cells[column] {
                    fields += [cell.mean, cell.minimum, cell.maximum, cell.median].map { "\($0)" } + [isBest(row, column) ? "1" : "0"]
                } else {
                    fields += ["", "", "", "", "0"]
                }
            }
            text += CSV.record(fields)
        }
        return text
    }

    /// The table as JSON: the command, the note, and per variant its seeds and cells.
    public var json: Data {
        struct Entry: Encodable {
            let mean: JSONNumber<Double>, min: JSONNumber<Double>, max: JSONNumber<Double>, median: JSONNumber<Double>, best: Bool
        }
        struct Line: Encodable {
            let variant: String, seeds: [UInt64], cells: [String: Entry]
        }
        struct Document: Encodable {
            let command: String, note: String?, columns: [String], rows: [Line]
        }
        let lines = rows.map { row in
            Line(variant: row.variant.description, seeds: row.seeds, cells: Dictionary(uniqueKeysWithValues: columns.compactMap { column in
                row.cells[column].map { cell in
                    (column.rawValue, Entry(mean: JSONNumber(cell.mean), min: JSONNumber(cell.minimum), max: JSONNumber(cell.maximum),
                                            median: JSONNumber(cell.median), best: isBest(row, column)))
                }
            }))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? encoder.encode(Document(command: command, note: note, columns: columns.map(\.rawValue), rows: lines))) ?? Data()
    }
}
