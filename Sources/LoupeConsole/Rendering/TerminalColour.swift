/// What a terminal can show: decided once at start-up (`--ascii`, or from the terminal).
public enum ColourDepth: Sendable, Equatable {
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

    /// The nearest palette colour for an RGB colour at `depth` (`.standard` for ASCII).
    public static func nearest(red: UInt8, green: UInt8, blue: UInt8, depth: ColourDepth) -> TerminalColour {
        switch depth {
        case .ascii: return .standard
        case .eight:
            // Each channel on or off at half intensity: ANSI index = r + 2g + 4b.
            let bits = (red >= 128 ? 1 : 0) | (green >= 128 ? 2 : 0) | (blue >= 128 ? 4 : 0)
            return .palette(UInt8(bits))
        case .palette256:
            // The 6×6×6 cube (indices 16–231, levels 0, 95, 135, 175, 215, 255) or the
            // 24 greys (232–255, 8 + 10k), whichever is closer.
            let levels = [0, 95, 135, 175, 215, 255]
            func cubeStep(_ v: UInt8) -> Int { levels.indices.min { abs(levels[$0] - Int(v)) < abs(levels[$1] - Int(v)) }! }
            let (r, g, b) = (cubeStep(red), cubeStep(green), cubeStep(blue))
            let cube = (levels[r], levels[g], levels[b])
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
}
