import CNcursesw

/// A console screen driven by keys and background events: a run's console, or the Runs
/// view with the runs it opens. `runInTerminal` is the one event loop for both.
public protocol TerminalApplication: AnyObject {
    /// Drains background events into the state; true when anything changed.
    func pump() -> Bool
    func handle(_ key: ConsoleKey) throws
    func draw(on screen: any Screen)
    var isFinished: Bool { get }
    /// Stops background work before the terminal is restored.
    func stop()
}

extension TerminalApplication {
    /// Runs in the terminal until `q`; the terminal is restored on every way out. Wakes every
    /// 50 ms to drain events, redrawing only when something changed.
    public func runInTerminal(forceASCII: Bool) throws {
        let screen = TerminalScreen(forceASCII: forceASCII)
        defer {
            stop()
            screen.restore()
        }
        draw(on: screen)
        while !isFinished {
            var changed = pump()
            if let code = screen.key(waitingMilliseconds: 50) {
                if code == TerminalScreen.resizeKey {
                    screen.resize()
                    changed = true
                } else if let key = ConsoleKey(code: code) {
                    try handle(key)
                    changed = true
                }
            }
            if changed { draw(on: screen) }
        }
    }
}

extension ConsoleKey {
    /// The key an ncurses key code stands for.
    init?(code: Int32) {
        switch code {
        case KEY_UP: self = .up
        case KEY_DOWN: self = .down
        case KEY_LEFT: self = .left
        case KEY_RIGHT: self = .right
        case KEY_NPAGE: self = .pageDown
        case KEY_PPAGE: self = .pageUp
        case KEY_BACKSPACE, 127, 8: self = .backspace
        case KEY_ENTER, 10, 13: self = .enter
        case 9: self = .tab
        case 27: self = .escape
        default:
            guard code > 0, let scalar = Unicode.Scalar(UInt32(code)) else { return nil }
            self = .character(Character(scalar))
        }
    }
}
