import Foundation

/// Every standing mark, with what to do with them: export, re-fit the threshold without the
/// false positives, add the false positives to the good training images.
public struct ReviewView {
    public init() {}

    public func draw(_ state: ConsoleState, theme: Theme = .standard, on screen: any Screen) {
        screen.clear()
        Chrome.title(state, theme: theme, on: screen)
        let names = state.markedNames
        let counts = Dictionary(grouping: names, by: { state.marks[$0]!.rawValue }).mapValues(\.count)
        let summary = ["false-positive", "false-negative", "confirmed-defect"].map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: " · ")
        screen.text("\(names.count) marks: \(summary)", x: 1, y: 1, bold: true)
        screen.text("  verdict            score    truth    image", x: 0, y: 2, bold: true)
        let scores = Dictionary(state.tuning.images.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let rows = max(1, screen.height - 5)
        let first = max(0, min(state.selectedMark - rows / 2, max(0, names.count - rows)))
        for (offset, name) in names.dropFirst(first).prefix(rows).enumerated() {
            let index = first + offset
            let image = scores[name]
            let line = (index == state.selectedMark ? "▶ " : "  ") + Chrome.column(state.marks[name]!.rawValue, 17) + "  "
                + (image.map { String(format: "%7.4f", $0.score) } ?? "      —") + "  " + Chrome.column(image?.kind ?? "?", 7) + "  " + name
            screen.text(line, x: 0, y: 3 + offset, bold: index == state.selectedMark)
        }
        if names.isEmpty { screen.text("  no marks yet: in the browser, f marks a false positive, n a false negative, d a defect", x: 0, y: 3) }
        Chrome.keys("↑↓ select  c clear mark  e export CSV  r re-fit threshold without FPs  a add FPs to training  Tab next view  q quit",
                    state, theme: theme, on: screen)
    }
}
