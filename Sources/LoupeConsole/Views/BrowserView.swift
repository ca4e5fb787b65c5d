import Foundation
import LoupeEngine
import LoupeImaging

/// The list of test images (score, verdict at the threshold, ground truth, mark) beside the
/// selected image as image, heat map or overlay.
public struct BrowserView {
    public static let listWidth = 46

    public init() {}

    public func draw(_ state: ConsoleState, pane: Image?, on screen: any Screen) {
        screen.clear()
        Chrome.title(state, on: screen)
        let rows = max(1, screen.height - 3)
        let first = max(0, min(state.selected - rows / 2, max(0, state.items.count - rows)))
        screen.text("  score  verdict  truth   mark  image", x: 0, y: 1, bold: true)
        for (offset, item) in state.items.dropFirst(first).prefix(rows - 1).enumerated() {
            let index = first + offset
            let mark = state.marks[item.name].map(Self.shortMark) ?? ""
            let verdict = state.verdict(item)
            // Foundation's %-Ns does not pad on Linux: pad explicitly.
            func column(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
            let line = (index == state.selected ? "▶" : " ") + String(format: "%7.4f  ", item.score) + column(verdict, 7) + "  "
                + column(item.isDefect ? "defect" : "good", 6) + "  " + column(mark, 4) + "  " + Self.shortName(item.name)
            let wrong = (verdict == "defect") != item.isDefect
            screen.text(String(line.prefix(Self.listWidth)), x: 0, y: 2 + offset,
                        foreground: wrong ? .palette(1) : .standard, bold: index == state.selected)
        }
        if let pane, screen.width > Self.listWidth + 4 {
            HalfBlockRenderer().draw(pane, on: screen, x: Self.listWidth + 2, y: 2,
                                     columns: screen.width - Self.listWidth - 3, rows: screen.height - 4)
            screen.text("[\(state.pane.rawValue)]", x: Self.listWidth + 2, y: 1, bold: true)
        }
        Chrome.keys("↑↓ select  o image/heat/overlay  f false positive  n false negative  d defect  c clear  Tab histogram  q quit",
                    state, on: screen)
    }

    static func shortMark(_ verdict: ReviewMark.Verdict) -> String {
        switch verdict {
        case .falsePositive: return "FP"
        case .falseNegative: return "FN"
        case .confirmedDefect: return "DEF"
        case .clear: return ""
        }
    }

    /// The last two path components ("hole/003.png").
    static func shortName(_ path: String) -> String { path.split(separator: "/").suffix(2).joined(separator: "/") }
}

/// The title and key bars every view shares.
enum Chrome {
    static func title(_ state: ConsoleState, on screen: any Screen) {
        let title = String(format: " Loupe · %@ · threshold %.4f · %@", state.runName, state.tuning.threshold, state.view.rawValue)
        screen.text(title.padding(toLength: screen.width, withPad: " ", startingAt: 0), x: 0, y: 0,
                    foreground: .palette(0), background: .palette(7), bold: true)
    }

    static func keys(_ keys: String, _ state: ConsoleState, on screen: any Screen) {
        let line = state.message.isEmpty ? keys : state.message
        screen.text(String(line.prefix(screen.width)), x: 0, y: screen.height - 1, foreground: .palette(6))
    }
}
