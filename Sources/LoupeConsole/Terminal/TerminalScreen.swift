import CNcursesw
import Foundation

/// The real terminal through ncursesw: colour pairs are allocated as cells need them, and
/// only cells that changed since the last frame are sent.
public final class TerminalScreen: Screen {
    public private(set) var width: Int
    public private(set) var height: Int
    public let depth: ColourDepth
    private var pairs: [TerminalColourPair: Int16] = [:]
    private var shown: [Cell] = []
    private var pending: [Cell] = []

    struct TerminalColourPair: Hashable { let foreground: TerminalColour, background: TerminalColour }

    /// Takes over the terminal; `restore()` gives it back (also on SIGINT/SIGTERM).
    public init(forceASCII: Bool = false) {
        setlocale(LC_ALL, "")
        // The views draw UTF-8 (half blocks, arrows, box lines): under a C/POSIX locale
        // ncursesw would count their bytes as characters and wrap every line.
        if String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" { setlocale(LC_ALL, "C.UTF-8") }
        initscr()
        cbreak()
        noecho()
        keypad(loupe_standard_screen(), true)
        curs_set(0)
        var depth = ColourDepth.ascii
        if !forceASCII && has_colors() {
            start_color()
            use_default_colors()
            depth = loupe_colors() >= 256 ? .palette256 : .eight
        }
        self.depth = depth
        width = Int(loupe_columns())
        height = Int(loupe_lines())
        resetBuffers()
        for signal in [SIGINT, SIGTERM] {
            Foundation.signal(signal) { _ in
                endwin()
                exit(130)
            }
        }
    }

    private func resetBuffers() {
        shown = Array(repeating: Cell("\u{0}"), count: width * height)
        pending = Array(repeating: .blank, count: width * height)
    }

    /// Re-reads the size after a resize (SIGWINCH arrives as a key).
    public func resize() {
        endwin()
        refresh()
        width = Int(loupe_columns())
        height = Int(loupe_lines())
        clear()
        resetBuffers()
    }

    public func put(_ cell: Cell, x: Int, y: Int) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        pending[y * width + x] = cell
    }

    public func present() {
        for index in pending.indices where pending[index] != shown[index] {
            let cell = pending[index]
            let attributes = attribute(for: cell)
            attron(Int32(truncatingIfNeeded: attributes))
            mvaddstr(Int32(index / width), Int32(index % width), String(cell.character))
            attroff(Int32(truncatingIfNeeded: attributes))
            shown[index] = cell
        }
        refresh()
    }

    private func attribute(for cell: Cell) -> chtype {
        var result: chtype = 0
        if cell.bold { result |= chtype(1) << (8 + 13) }  // A_BOLD
        guard depth != .ascii, cell.foreground != .standard || cell.background != .standard else { return result }
        let key = TerminalColourPair(foreground: cell.foreground, background: cell.background)
        if pairs[key] == nil, pairs.count + 1 < Int(loupe_color_pairs()) {
            let number = Int16(pairs.count + 1)
            func index(_ colour: TerminalColour) -> Int16 { if case let .palette(i) = colour { return Int16(i) }; return -1 }
            init_pair(number, index(cell.foreground), index(cell.background))
            pairs[key] = number
        }
        return result | loupe_color_pair(Int32(pairs[key] ?? 0))
    }

    /// The next key, or nil after `milliseconds` without one.
    public func key(waitingMilliseconds milliseconds: Int32) -> Int32? {
        timeout(milliseconds)
        let key = getch()
        return key == ERR ? nil : key
    }

    public static var resizeKey: Int32 { loupe_key_resize() }

    /// Gives the terminal back as it was.
    public func restore() {
        endwin()
    }
}
