import CNcursesw
import Foundation

/// The real terminal through ncursesw: each frame's colour combinations get extended colour
/// pairs (recycled least recently used), and only cells that changed since the last frame
/// are sent.
public final class TerminalScreen: Screen {
    public private(set) var width: Int
    public private(set) var height: Int
    public let depth: ColourDepth
    private var pairs: ColourPairTable
    private var shown: [Cell] = []
    private var pending: [Cell] = []
    /// The pair each shown cell was drawn with.
    private var shownPairs: [Int32] = []

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
            let colours = loupe_colors()
            depth = loupe_has_direct_colour() != 0 && colours >= 1 << 24 ? .direct : colours >= 256 ? .palette256 : .eight
        }
        self.depth = depth
        pairs = ColourPairTable(capacity: max(1, Int(loupe_color_pairs()) - 1))
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
        shownPairs = Array(repeating: -1, count: width * height)
    }

    /// Takes the new size after a resize (ncurses has resized its screen when it reports
    /// KEY_RESIZE) and repaints everything on the next frame.
    public func resize() {
        width = Int(loupe_columns())
        height = Int(loupe_lines())
        // ncurses' own clear (the bare name would be Screen.clear): the next refresh
        // repaints every cell.
        wclear(loupe_standard_screen())
        resetBuffers()
    }

    public func put(_ cell: Cell, x: Int, y: Int) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        pending[y * width + x] = cell
    }

    public func present() {
        var assignment: [ColourPair: Int32] = [:]
        if depth != .ascii {
            // Pairs are planned over the whole frame, so that recycling never takes one
            // that a cell still on screen shows.
            var counts: [ColourPair: Int] = [:]
            for cell in pending where cell.foreground != .standard || cell.background != .standard {
                counts[ColourPair(foreground: cell.foreground, background: cell.background), default: 0] += 1
            }
            let plan = pairs.assign(counts)
            for (number, pair) in plan.definitions {
                init_extended_pair(number, colourNumber(pair.foreground), colourNumber(pair.background))
            }
            assignment = plan.numbers
        }
        var text: [wchar_t] = Array(repeating: 0, count: 6)
        for index in pending.indices {
            let cell = pending[index]
            let pair = cell.foreground == .standard && cell.background == .standard
                ? 0 : assignment[ColourPair(foreground: cell.foreground, background: cell.background)] ?? 0
            // A cell is sent again when it changed, or when its colours now come from
            // another pair (a frame with more combinations than pairs shares them out).
            guard cell != shown[index] || pair != shownPairs[index] else { continue }
            let scalars = cell.character.unicodeScalars.prefix(5)
            for (offset, scalar) in scalars.enumerated() { text[offset] = wchar_t(bitPattern: scalar.value) }
            text[scalars.count] = 0
            var attributes: attr_t = cell.bold ? loupe_attribute_bold() : 0
            if cell.background != .standard { attributes |= loupe_attribute_sent_blank() }
            _ = loupe_put_cell(Int32(index / width), Int32(index % width), text, attributes, pair)
            shown[index] = cell
            shownPairs[index] = pair
        }
        refresh()
    }

    /// A colour as ncurses numbers it: -1 for the default, a palette index, or 0xRRGGBB on
    /// direct-colour terminals.
    private func colourNumber(_ colour: TerminalColour) -> Int32 {
        switch (colour, depth) {
        case (.standard, _): return -1
        case let (.palette(index), .direct):
            guard let rgb = colour.rgb else { return Int32(index) }
            return Self.directNumber(rgb.red, rgb.green, rgb.blue)
        case let (.palette(index), _): return Int32(index)
        case let (.rgb(r, g, b), .direct): return Self.directNumber(Int(r), Int(g), Int(b))
        case let (.rgb(r, g, b), _):
            guard case let .palette(index) = TerminalColour.nearest(red: r, green: g, blue: b, depth: depth) else { return -1 }
            return Int32(index)
        }
    }

    /// Direct-colour terminfo treats numbers below 8 as the ANSI colours: the darkest blues
    /// move up to 8, which no eye tells apart from them.
    private static func directNumber(_ red: Int, _ green: Int, _ blue: Int) -> Int32 {
        max(8, Int32(red << 16 | green << 8 | blue))
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
