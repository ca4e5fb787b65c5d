import Foundation

/// The title and key bars every view shares.
enum Chrome {
    static func title(_ state: ConsoleState, theme: Theme, on screen: any Screen) {
        var title = String(format: " Loupe · %@ · threshold %.4f · %@", state.runName, state.tuning.threshold, state.view.rawValue)
        if let comparison = state.comparison {
            title = String(format: " Loupe · A %@ (threshold %.4f) · B %@ (threshold %.4f) · %@", state.runName, state.tuning.threshold,
                           comparison.runName, comparison.tuning.threshold, state.view.rawValue)
        }
        if state.training.status.isRunning { title += " · " + TrainingView.statusLine(state.training) }
        screen.text(title.padding(toLength: screen.width, withPad: " ", startingAt: 0), x: 0, y: 0,
                    foreground: theme.colour(.titleText, depth: screen.depth), background: theme.colour(.titleBar, depth: screen.depth),
                    bold: true)
    }

    /// The key bar, or the last message in its place.
    static func keys(_ keys: String, _ state: ConsoleState, theme: Theme, on screen: any Screen) {
        let line = state.message.isEmpty ? keys + "  ? help" : state.message
        screen.text(String(line.prefix(screen.width)), x: 0, y: screen.height - 1, foreground: theme.colour(.accent, depth: screen.depth))
    }

    /// The smallest window each view draws in; below it the view says so instead.
    static func minimumSize(of view: ConsoleState.View) -> (width: Int, height: Int) {
        switch view {
        case .browser: return (30, 6)
        case .histogram: return (44, 16)
        case .training: return (40, 10)
        case .review: return (40, 6)
        }
    }

    /// Draws the title, a note that the window is too small for the view, and the key bar;
    /// false when the view fits and should draw itself.
    static func drawsTooSmall(_ state: ConsoleState, theme: Theme, on screen: any Screen) -> Bool {
        let needed = minimumSize(of: state.view)
        guard screen.width < needed.width || screen.height < needed.height else { return false }
        screen.clear()
        title(state, theme: theme, on: screen)
        let lines = ["window \(screen.width)×\(screen.height) is too small", "for the \(state.view.rawValue):",
                     "it needs \(needed.width)×\(needed.height)", "(Tab: next view, q: quit)"]
        let top = max(1, (screen.height - lines.count) / 2)
        for (offset, line) in lines.enumerated() where top + offset < screen.height {
            screen.text(line, x: max(0, (screen.width - line.count) / 2), y: top + offset, bold: offset == 0)
        }
        return true
    }

    /// Pads or cuts `text` to exactly `width` characters (Foundation's %-Ns does not pad on Linux).
    static func column(_ text: String, _ width: Int) -> String {
        text.count > width ? String(text.prefix(width)) : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    /// `name` in `width` characters: whole when it fits, else its end after "…"
    /// (`…exp4_num_2613.png`): images of one kind share their start, not their end.
    static func fitted(_ name: String, _ width: Int) -> String {
        guard name.count > width else { return name }
        guard width > 1 else { return String(name.suffix(max(width, 0))) }
        return "…" + name.suffix(width - 1)
    }

    /// The last two path components ("hole/003.png").
    static func shortName(_ path: String) -> String { path.split(separator: "/").suffix(2).joined(separator: "/") }
}
