import LoupeTensor

/// Colour maps for heat maps: a value in [0, 1] becomes an RGB colour.
public enum ColourMap: String, CaseIterable, Sendable, Codable {
    case jet, turbo, inferno, viridis

    /// (r, g, b) on 0–255 for `value` clamped to [0, 1].
    public func colour(_ value: Float) -> (UInt8, UInt8, UInt8) {
        let v = value.isNaN ? 0 : min(max(value, 0), 1)
        switch self {
        case .jet:
            // Piecewise linear: blue → cyan → yellow → red.
            func channel(_ offset: Float) -> UInt8 { UInt8((min(max(1.5 - abs(4 * v - offset), 0), 1) * 255).rounded()) }
            return (channel(3), channel(2), channel(1))
        case .turbo: return Self.lookup(turboTable, v)
        case .inferno: return Self.lookup(infernoTable, v)
        case .viridis: return Self.lookup(viridisTable, v)
        }
    }

    private static func lookup(_ table: [UInt8], _ v: Float) -> (UInt8, UInt8, UInt8) {
        let index = min(255, Int(v * 255 + 0.5)) * 3
        return (table[index], table[index + 1], table[index + 2])
    }
}

extension Image {
    /// A heat map of a 1-channel map: `low` → 0 and `high` → 1 on the colour map.
    public static func heatMap(_ map: [Float], width: Int, height: Int, low: Float, high: Float, colourMap: ColourMap) -> Image {
        let span = max(high - low, .leastNormalMagnitude)
        var pixels = [Float](repeating: 0, count: 3 * width * height)
        for (i, value) in map.enumerated() {
            let (r, g, b) = colourMap.colour((value - low) / span)
            pixels[i] = Float(r); pixels[width * height + i] = Float(g); pixels[2 * width * height + i] = Float(b)
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// This image (made RGB) blended with `heat` at `opacity`.
    public func overlaid(with heat: Image, opacity: Float = 0.5) -> Image {
        let base = rgb()
        invariant(heat.width == width && heat.height == height && heat.channels == 3, "overlaid: heat map \(heat.width)x\(heat.height)x\(heat.channels) does not fit \(width)x\(height)")
        let pixels = zip(base.pixels, heat.pixels).map { (1 - opacity) * $0 + opacity * $1 }
        return Image(width: width, height: height, channels: 3, pixels: pixels, sourceBitDepth: 16)
    }
}
