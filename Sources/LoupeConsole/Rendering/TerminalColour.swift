/// What a terminal can show: decided once at start-up (`--ascii`, or from the terminal).
public enum ColourDepth: Sendable, Equatable {
    /// 24-bit colour (terminfo `RGB`, e.g. TERM=xterm-direct).
    case direct
    /// xterm's 256-colour palette.
    case palette256
    /// The eight ANSI colours.
    case eight
    /// No colour: shades become characters of increasing density.
    case ascii
}

/// A colour as the terminal receives it.
public enum TerminalColour: Equatable, Sendable, Hashable {
    case standard
    /// An xterm palette index (0–255; 0–7 are the ANSI colours).
    case palette(UInt8)
    /// A 24-bit colour, for direct-colour terminals.
    case rgb(UInt8, UInt8, UInt8)

    /// The nearest colour for an RGB colour at `depth` (`.standard` for ASCII).
    public static func nearest(red: UInt8, green: UInt8, blue: UInt8, depth: ColourDepth) -> TerminalColour {
        switch depth {
        case .ascii: return .standard
        case .direct: return .rgb(red, green, blue)
        case .eight:
            // Each channel on or off at half intensity: ANSI index = r + 2g + 4b.
            let bits = (red >= 128 ? 1 : 0) | (green >= 128 ? 2 : 0) | (blue >= 128 ? 4 : 0)
            return .palette(UInt8(bits))
        case .palette256:
            // The 6×6×6 cube (indices 16–231, levels 0, 95, 135, 175, 215, 255) or the
            // 24 greys (232–255, 8 + 10k), whichever is closer.
            func cubeStep(_ v: UInt8) -> Int {
                var best = 0
                for step in 1..<6 where abs(Self.cubeLevels[step] - Int(v)) < abs(Self.cubeLevels[best] - Int(v)) { best = step }
                return best
            }
            let (r, g, b) = (cubeStep(red), cubeStep(green), cubeStep(blue))
            let cube = (Self.cubeLevels[r], Self.cubeLevels[g], Self.cubeLevels[b])
            let average = (Int(red) + Int(green) + Int(blue)) / 3
            let greyStep = min(23, max(0, (average - 8 + 5) / 10))
            let grey = 8 + 10 * greyStep
            func distance(_ c: (Int, Int, Int)) -> Int {
                let d = (c.0 - Int(red), c.1 - Int(green), c.2 - Int(blue))
                return d.0 * d.0 + d.1 * d.1 + d.2 * d.2
            }
            if distance((grey, grey, grey)) < distance(cube) { return .palette(UInt8(232 + greyStep)) }
            return .palette(UInt8(16 + 36 * r + 6 * g + b))
        }
    }

    static let cubeLevels = [0, 95, 135, 175, 215, 255]
    /// xterm's first sixteen colours.
    static let ansiColours: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    /// The colour as xterm shows it; nil for the terminal's own default.
    public var rgb: (red: Int, green: Int, blue: Int)? {
        switch self {
        case .standard: return nil
        case let .rgb(r, g, b): return (Int(r), Int(g), Int(b))
        case let .palette(index):
            let i = Int(index)
            if i < 16 { return Self.ansiColours[i] }
            if i < 232 { return (Self.cubeLevels[(i - 16) / 36], Self.cubeLevels[(i - 16) / 6 % 6], Self.cubeLevels[(i - 16) % 6]) }
            let grey = 8 + 10 * (i - 232)
            return (grey, grey, grey)
        }
    }

    /// Squared RGB distance; the default colour is near only itself.
    func distance(to other: TerminalColour) -> Int {
        guard let a = rgb, let b = other.rgb else { return self == other ? 0 : 3 * 255 * 255 }
        let d = (a.red - b.red, a.green - b.green, a.blue - b.blue)
        return d.0 * d.0 + d.1 * d.1 + d.2 * d.2
    }

    /// A total order over colours (0 for the default).
    var sortKey: Int {
        switch self {
        case .standard: return 0
        case let .palette(index): return 1 + Int(index)
        case let .rgb(r, g, b): return 257 + (Int(r) << 16 | Int(g) << 8 | Int(b))
        }
    }
}
