import LoupeConsole

/// A tmux pane as `capture-pane -e -p -N` prints it, read back into cells: each cell's
/// character and the colours the program's escape sequences gave it. Only what tmux
/// prints is understood: SGR 0, 1, 22, 30–37, 39, 40–47, 49, 90–97, 100–107, 38;5;N,
/// 48;5;N, 38;2;R;G;B, 48;2;R;G;B. Colours carry over from line to line, as tmux prints.
struct TerminalCapture {
    struct Cell: Equatable {
        var character: Character
        var foreground: TerminalColour
        var background: TerminalColour
    }

    let rows: [[Cell]]

    init(_ text: String) {
        var rows: [[Cell]] = []
        var row: [Cell] = []
        var foreground = TerminalColour.standard, background = TerminalColour.standard
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\u{1B}", index + 1 < scalars.count, scalars[index + 1] == "[" {
                var end = index + 2
                while end < scalars.count, !(0x40...0x7E).contains(scalars[end].value) { end += 1 }
                if end < scalars.count, scalars[end] == "m" {
                    let parameters = String(String.UnicodeScalarView(scalars[(index + 2)..<end])).split(separator: ";", omittingEmptySubsequences: false)
                        .map { Int($0) ?? 0 }
                    Self.apply(parameters, foreground: &foreground, background: &background)
                }
                index = end + 1
                continue
            }
            if scalar == "\n" {
                rows.append(row)
                row = []
            } else {
                row.append(Cell(character: Character(scalar), foreground: foreground, background: background))
            }
            index += 1
        }
        if !row.isEmpty { rows.append(row) }
        self.rows = rows
    }

    private static func apply(_ parameters: [Int], foreground: inout TerminalColour, background: inout TerminalColour) {
        var i = 0
        while i < parameters.count {
            let p = parameters[i]
            switch p {
            case 0: (foreground, background) = (.standard, .standard)
            case 30...37: foreground = .palette(UInt8(p - 30))
            case 90...97: foreground = .palette(UInt8(p - 90 + 8))
            case 39: foreground = .standard
            case 40...47: background = .palette(UInt8(p - 40))
            case 100...107: background = .palette(UInt8(p - 100 + 8))
            case 49: background = .standard
            case 38, 48:
                var colour = TerminalColour.standard
                if i + 2 < parameters.count, parameters[i + 1] == 5 {
                    colour = .palette(UInt8(clamping: parameters[i + 2]))
                    i += 2
                } else if i + 4 < parameters.count, parameters[i + 1] == 2 {
                    colour = .rgb(UInt8(clamping: parameters[i + 2]), UInt8(clamping: parameters[i + 3]), UInt8(clamping: parameters[i + 4]))
                    i += 4
                }
                if p == 38 { foreground = colour } else { background = colour }
            default: break  // bold, underline and the like do not change colours
            }
            i += 1
        }
    }

    /// The cell at column x of row y (a blank in default colours past a row's end).
    subscript(x: Int, y: Int) -> Cell {
        guard y < rows.count, x < rows[y].count else { return Cell(character: " ", foreground: .standard, background: .standard) }
        return rows[y][x]
    }

    func line(_ y: Int) -> String { y < rows.count ? String(rows[y].map(\.character)) : "" }
}
