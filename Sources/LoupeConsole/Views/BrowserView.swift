import Foundation
import LoupeEngine
import LoupeImaging

/// The list of test images (score, verdict at the threshold, ground truth, mark) beside the
/// selected image as image, heat map, overlay or overlay with the mask's contour.
public struct BrowserView {
    public static let listWidth = 50
    /// A/B lists both runs' scores and verdicts.
    public static let comparisonListWidth = 68

    public static func listWidth(_ state: ConsoleState) -> Int { state.comparison == nil ? listWidth : comparisonListWidth }

    public init() {}

    /// `pane` is the selected image as the pane mode shows it; in A/B, `paneB` is run B's.
    public func draw(_ state: ConsoleState, pane: Image?, paneNote: String? = nil, paneB: Image? = nil, theme: Theme = .standard,
                     on screen: any Screen) {
        screen.clear()
        Chrome.title(state, theme: theme, on: screen)
        let rows = max(1, screen.height - 3)
        let items = state.items
        let listWidth = Self.listWidth(state)
        let first = max(0, min(state.selected - rows / 2, max(0, items.count - rows)))
        screen.text(state.comparison == nil ? "  score  verdict  truth    mark  image" : " A score  B score  A       B       truth    mark  image",
                    x: 0, y: 1, bold: true)
        for (offset, item) in items.dropFirst(first).prefix(rows - 1).enumerated() {
            let index = first + offset
            let mark = state.marks[item.name].map(Self.shortMark) ?? ""
            let verdict = state.verdict(item)
            var line = (index == state.selected ? "▶" : " ") + String(format: "%7.4f  ", item.score)
            if let comparison = state.comparison {
                line += (comparison.score(of: item.name).map { String(format: "%7.4f  ", $0) } ?? "      —  ")
                    + Chrome.column(verdict, 6) + "  " + Chrome.column(state.verdictB(item) ?? "—", 6) + "  "
            } else {
                line += Chrome.column(verdict, 7) + "  "
            }
            line += Chrome.column(item.kind, 7) + "  " + Chrome.column(mark, 4) + "  "
            line += Chrome.fitted(Chrome.shortName(item.name), listWidth - line.count)
            let wrong = (verdict == "defect") != item.isDefect
            screen.text(String(line.prefix(listWidth)), x: 0, y: 2 + offset,
                        foreground: wrong ? theme.colour(.wrong, depth: screen.depth) : .standard, bold: index == state.selected)
        }
        if items.isEmpty {
            screen.text(state.training.status.isRunning ? "  images appear here as they are scored…" : "  no images match '\(state.filter.label)'",
                        x: 0, y: 2)
        }
        if let comparison = state.comparison, screen.width > listWidth + 8 {
            // A/B: the two runs' panes side by side, each under its run's score and verdict.
            let x = listWidth + 2, width = (screen.width - x - 2) / 2
            for (side, image) in [(0, pane), (1, paneB)] {
                let left = x + side * (width + 1)
                if let image { HalfBlockRenderer().draw(image, on: screen, x: left, y: 3, columns: width, rows: screen.height - 5) }
                let label: String
                if let item = state.selectedItem {
                    label = side == 0 ? String(format: "A %@ %.4f %@", state.runName, item.score, state.verdict(item))
                        : "B \(comparison.runName) " + (comparison.score(of: item.name).map { String(format: "%.4f ", $0) } ?? "— ")
                            + (state.verdictB(item) ?? "not scored")
                } else {
                    label = side == 0 ? "A \(state.runName)" : "B \(comparison.runName)"
                }
                screen.text(String(label.prefix(width)), x: left, y: 2, bold: true)
            }
            let header = "[\(state.sort.rawValue) · \(state.filter.label) · \(items.count)/\(state.tuning.images.count)]  "
                + "[\(state.pane.rawValue) · \(state.colourMap.rawValue)\(state.zoomed ? " · 1:1" : "")]" + (paneNote.map { " " + $0 } ?? "")
            screen.text(String(header.prefix(screen.width - x)), x: x, y: 1, bold: true)
        } else if screen.width > listWidth + 4 {
            let x = listWidth + 2
            if let pane {
                HalfBlockRenderer().draw(pane, on: screen, x: x, y: 2, columns: screen.width - x - 1, rows: screen.height - 4)
            }
            let label = "[\(state.sort.rawValue) · \(state.filter.label) · \(items.count)/\(state.tuning.images.count)]  "
                + "[\(state.pane.rawValue) · \(state.colourMap.rawValue)\(state.zoomed ? " · 1:1" : "")]" + (paneNote.map { " " + $0 } ?? "")
            screen.text(label, x: x, y: 1, bold: true)
        }
        Chrome.keys(state.comparison == nil
                    ? "↑↓ select  o image/heat/overlay/contour  z 1:1  s sort  / filter  f FP  n FN  d defect  c clear  Tab next view  q quit"
                    : "↑↓ select  s sort (score, name, A−B rank gap)  / filter (… A≠B)  f n d c marks → A's review.jsonl  0 back to runs  q quit",
                    state, theme: theme, on: screen)
    }

    static func shortMark(_ verdict: ReviewMark.Verdict) -> String {
        switch verdict {
        case .falsePositive: return "FP"
        case .falseNegative: return "FN"
        case .confirmedDefect: return "DEF"
        case .clear: return ""
        }
    }
}
