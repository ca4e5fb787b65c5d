import Foundation

/// The title and key bars every view shares.
enum Chrome {
    static func title(_ state: ConsoleState, theme: Theme, on screen: any Screen) {
        var title = String(format: " Loupe · %@ · threshold %.4f · %@", state.runName, state.tuning.threshold, state.view.rawValue)
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

    /// Pads or cuts `text` to exactly `width` characters (Foundation's %-Ns does not pad on Linux).
    static func column(_ text: String, _ width: Int) -> String {
        text.count > width ? String(text.prefix(width)) : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    /// The last two path components ("hole/003.png").
    static func shortName(_ path: String) -> String { path.split(separator: "/").suffix(2).joined(separator: "/") }
}
