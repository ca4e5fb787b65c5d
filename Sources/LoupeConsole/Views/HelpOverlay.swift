/// `?`: every key of the current view and the global ones, in a box over the view.
public struct HelpOverlay {
    public init() {}

    static func lines(for view: ConsoleState.View) -> [String] {
        let specific: [String]
        switch view {
        case .browser:
            specific = ["↑ ↓ j k  select an image      PgUp PgDn  ten at a time",
                        "o        image / heat map / overlay / mask contour   z  zoom to 1:1 at the hottest point",
                        "r        outline the part's box (runs trained with a ROI run, --roi)",
                        "s        sort by score or name   /  filter: kind, verdict, mistakes, marks",
                        "f n d c  mark false positive / false negative / defect / clear",
                        "A/B      s also sorts by how differently A and B rank an image; / also shows where they disagree;",
                        "         marks go to A's review.jsonl"]
        case .histogram:
            specific = ["← → h l  move the threshold one bin   =  type an exact threshold",
                        "b        best F1                      p  1 % false positives on good images",
                        "g        log counts                   v  stacked / overlaid",
                        "z        all scores / the bulk (outliers counted in ◀ ▶ overflow columns at the ends)",
                        "s        save the threshold to the run (infer and eval use it)"]
        case .training:
            specific = ["t        start training (resumes the run's last finished epoch)",
                        "x        stop after the current batch (nothing is lost)"]
        case .review:
            specific = ["↑ ↓      select a mark              c  clear it",
                        "e        export the marks to review.csv in the run",
                        "r        re-fit the threshold (best F1) without the marked false positives",
                        "a        copy the false positives into the data set's train/good for the next training"]
        }
        return ["Loupe — \(view.rawValue) keys", ""] + specific + ["",
                "Tab      next view     1 browser  2 histogram  3 training  4 review",
                "m        next colour map (jet, turbo, inferno, viridis)",
                "?        this help     q  quit (the terminal is restored)",
                "0        back to the Runs view (a console opened on runs/ without --run)", "", "any key closes this help"]
    }

    public func draw(_ state: ConsoleState, theme: Theme = .standard, on screen: any Screen) {
        Self.drawBox(Self.lines(for: state.view), on: screen)
    }

    /// `lines` in a centred box over whatever is on screen.
    static func drawBox(_ lines: [String], on screen: any Screen) {
        let width = min(screen.width - 2, (lines.map(\.count).max() ?? 0) + 4)
        let height = min(screen.height - 2, lines.count + 2)
        guard width >= 4, height >= 3 else { return }
        let x = max(0, (screen.width - width) / 2), y = max(0, (screen.height - height) / 2)
        for row in 0..<height {
            let border = row == 0 || row == height - 1
            let text = border ? String(repeating: "─", count: width - 2) : Chrome.column(lines.indices.contains(row - 1) ? " " + lines[row - 1] : "", width - 2)
            let (left, right) = row == 0 ? ("┌", "┐") : row == height - 1 ? ("└", "┘") : ("│", "│")
            screen.text(left + text + right, x: x, y: y + row, bold: row == 1)
        }
    }
}
