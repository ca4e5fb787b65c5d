import Foundation
import LoupeEngine
import LoupeImaging

/// The list of test images (score, verdict at the threshold, ground truth, mark) beside the
/// selected image as image, heat map, overlay or overlay with the mask's contour.
public struct BrowserView {
    public static let listWidth = 50

    public init() {}

    public func draw(_ state: ConsoleState, pane: Image?, paneNote: String? = nil, theme: Theme = .standard, on screen: any Screen) {
        screen.clear()
        Chrome.title(state, theme: theme, on: screen)
        let rows = max(1, screen.height - 3)
        let items = state.items
        let first = max(0, min(state.selected - rows / 2, max(0, items.count - rows)))
        screen.text("  score  verdict  truth    mark  image", x: 0, y: 1, bold: true)
        for (offset, item) in items.dropFirst(first).prefix(rows - 1).enumerated() {
            let index = first + offset
            let mark = state.marks[item.name].map(Self.shortMark) ?? ""
            let verdict = state.verdict(item)
            let line = (index == state.selected ? "▶" : " ") + String(format: "%7.4f  ", item.score) + Chrome.column(verdict, 7) + "  "
                + Chrome.column(item.kind, 7) + "  " + Chrome.column(mark, 4) + "  " + Chrome.shortName(item.name)
            let wrong = (verdict == "defect") != item.isDefect
            screen.text(String(line.prefix(Self.listWidth)), x: 0, y: 2 + offset,
                        foreground: wrong ? theme.colour(.wrong, depth: screen.depth) : .standard, bold: index == state.selected)
        }
        if items.isEmpty {
            screen.text(state.training.status.isRunning ? "  images appear here as they are scored…" : "  no images match '\(state.filter.label)'",
                        x: 0, y: 2)
        }
        if screen.width > Self.listWidth + 4 {
            let x = Self.listWidth + 2
            if let pane {
                HalfBlockRenderer().draw(pane, on: screen, x: x, y: 2, columns: screen.width - x - 1, rows: screen.height - 4)
            }
            let label = "[\(state.sort.rawValue) · \(state.filter.label) · \(items.count)/\(state.tuning.images.count)]  "
                + "[\(state.pane.rawValue) · \(state.colourMap.rawValue)\(state.zoomed ? " · 1:1" : "")]" + (paneNote.map { " " + $0 } ?? "")
            screen.text(label, x: x, y: 1, bold: true)
        }
        Chrome.keys("↑↓ select  o image/heat/overlay/contour  z 1:1  s sort  / filter  f FP  n FN  d defect  c clear  Tab next view  q quit",
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
