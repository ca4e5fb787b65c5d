import Foundation
import LoupeEngine

/// Every run of a folder, one row each: variant (method and changed options), teacher, input, epochs, training state,
/// threshold and metrics; marks A and B for a side-by-side comparison.
public struct RunsView {
    /// Column widths after the name's, in `RunsBrowser.Column` order.
    static let widths = [24, 7, 8, 6, 20, 9, 7, 7, 7, 7, 7]

    /// Every column's width on a screen `width` wide: the name's takes what the others
    /// leave, up to the longest name (at least 12).
    static func widths(for browser: RunsBrowser, screenWidth width: Int) -> [Int] {
        let others = widths.reduce(0, +) + widths.count + 4
        let longest = browser.rows.map(\.name.count).max() ?? 12
        return [max(12, min(longest, width - others))] + widths
    }

    public init() {}

    public func draw(_ browser: RunsBrowser, theme: Theme = .standard, on screen: any Screen) {
        screen.clear()
        let grouped = browser.rows.contains { !$0.members.isEmpty }
        let title = " Loupe · runs in \(browser.directory) · \(browser.runs.count) runs" + (grouped ? ", seeds grouped" : "")
            + " · sorted by \(browser.sortColumn.header)"
            + (browser.descending ? " ↓" : " ↑") + (browser.filter.isEmpty ? "" : " · filter '\(browser.filter)': \(browser.rows.count) shown")
        screen.text(title.padding(toLength: screen.width, withPad: " ", startingAt: 0), x: 0, y: 0,
                    foreground: theme.colour(.titleText, depth: screen.depth), background: theme.colour(.titleBar, depth: screen.depth), bold: true)
        let widths = Self.widths(for: browser, screenWidth: screen.width)
        var x = 4
        for column in RunsBrowser.Column.allCases {
            let width = widths[column.rawValue]
            let header = Chrome.column(column.header, width)
            screen.text(header, x: x, y: 1, foreground: column == browser.sortColumn ? theme.colour(.accent, depth: screen.depth) : .standard,
                        bold: true)
            x += width + 1
        }
        let rows = max(1, screen.height - 3)
        let listed = browser.rows
        let first = max(0, min(browser.selected - rows / 2, max(0, listed.count - rows)))
        for (offset, run) in listed.dropFirst(first).prefix(rows - 1).enumerated() {
            let index = first + offset
            let mark = browser.marked.firstIndex(of: run.path).map { $0 == 0 ? "A" : "B" } ?? " "
            var line = (index == browser.selected ? "▶" : " ") + mark + "  "
            if let problem = run.problem {
                line += Chrome.column(run.name, widths[0]) + " " + problem
            } else {
                line += RunsBrowser.Column.allCases.map { Chrome.column(RunsBrowser.cell(run, $0), widths[$0.rawValue]) }.joined(separator: " ")
            }
            let colour: TerminalColour = run.problem != nil ? theme.colour(.wrong, depth: screen.depth)
                : { if case .training = run.progress { return theme.colour(.accent, depth: screen.depth) }; return .standard }()
            screen.text(String(line.prefix(screen.width)), x: 0, y: 2 + offset, foreground: colour, bold: index == browser.selected)
        }
        if listed.isEmpty {
            screen.text("  no runs in \(browser.directory) yet: `loupe train --data DIR --run \(browser.directory)/NAME` makes one", x: 0, y: 2)
        }
        let keys = "↑↓ select  ←→ sort  r reverse  / filter  g seeds  space mark A/B  a A/B (unmarked: two best)  Enter open  q quit  ? help"
        let line = browser.typedFilter.map { "filter runs by variant or name: \($0)█   (Enter applies, Esc cancels)" }
            ?? (browser.message.isEmpty ? keys : browser.message)
        screen.text(String(line.prefix(screen.width)), x: 0, y: screen.height - 1, foreground: theme.colour(.accent, depth: screen.depth))
        if browser.showsHelp { HelpOverlay.drawBox(Self.help, on: screen) }
    }

    static let help = ["Loupe — runs keys", "",
                       "↑ ↓ j k  select a run             PgUp PgDn  ten at a time",
                       "← → h l  sort by the previous / next column (metrics: best first)",
                       "r        reverse the order",
                       "/        filter by variant (method:option+option) or name; / Enter lists every run",
                       "g        one row per variant with the mean over its seeds, or every seed",
                       "space    mark the run as A, then B (a third mark replaces A)",
                       "a        open A and B side by side: both maps, scores and verdicts;",
                       "         with nothing marked, the two first rows by the sorted column",
                       "Enter    open the selected run (0 comes back here); a row of seeds",
                       "         opens its best seed by the sorted metric",
                       "", "A run trained elsewhere shows its progress as its train-log.csv grows;",
                       "a run that cannot be read shows why.",
                       "", "?        this help     q  quit", "", "any key closes this help"]
}
