/// One character cell.
public struct Cell: Equatable, Sendable {
    public var character: Character
    public var foreground: TerminalColour
    public var background: TerminalColour
    public var bold: Bool

    public init(_ character: Character = " ", foreground: TerminalColour = .standard, background: TerminalColour = .standard, bold: Bool = false) {
        self.character = character
        self.foreground = foreground
        self.background = background
        self.bold = bold
    }

    public static let blank = Cell()
}

/// Where views draw: the ncurses terminal, or memory in tests. Views draw the whole
/// state each frame; backends send only what changed.
public protocol Screen: AnyObject {
    var width: Int { get }
    var height: Int { get }
    var depth: ColourDepth { get }
    /// Sets one cell; positions outside the screen are ignored (views may overflow).
    func put(_ cell: Cell, x: Int, y: Int)
    /// Makes what was drawn visible.
    func present()
}

extension Screen {
    /// Writes `text` from (x, y), clipped at the right edge.
    public func text(_ text: String, x: Int, y: Int, foreground: TerminalColour = .standard,
                     background: TerminalColour = .standard, bold: Bool = false) {
        for (offset, character) in text.enumerated() where x + offset < width {
            put(Cell(character, foreground: foreground, background: background, bold: bold), x: x + offset, y: y)
        }
    }

    /// Blanks every cell.
    public func clear() {
        for y in 0..<height { for x in 0..<width { put(.blank, x: x, y: y) } }
    }
}

/// A screen in memory: what tests assert on (cell by cell, or as lines of text).
public final class MemoryScreen: Screen {
    public let width: Int, height: Int, depth: ColourDepth
    public private(set) var cells: [Cell]
    public private(set) var presentedFrames = 0

    public init(width: Int, height: Int, depth: ColourDepth = .palette256) {
        self.width = width
        self.height = height
        self.depth = depth
        cells = Array(repeating: .blank, count: width * height)
    }

    public func put(_ cell: Cell, x: Int, y: Int) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        cells[y * width + x] = cell
    }

    public func present() { presentedFrames += 1 }

    public subscript(x: Int, y: Int) -> Cell { cells[y * width + x] }

    /// Row `y` as text.
    public func line(_ y: Int) -> String { String(cells[(y * width)..<((y + 1) * width)].map(\.character)) }
}
