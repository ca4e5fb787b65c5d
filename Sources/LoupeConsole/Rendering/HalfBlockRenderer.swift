import LoupeImaging

/// Draws an image into a block of cells, two pixels per cell: the upper pixel is the
/// foreground of '▀' and the lower its background, so a terminal shows twice the vertical
/// resolution. Without colour, each cell shows a character of matching density.
public struct HalfBlockRenderer: Sendable {
    /// Light to dark, for the plain-ASCII fallback.
    static let densityRamp: [Character] = Array(" .:-=+*#%@")

    public init() {}

    /// Draws `image` (grey or RGB) scaled to fit `columns`×`rows` cells at (x, y), keeping its
    /// aspect ratio; returns the cell size used.
    @discardableResult
    public func draw(_ image: Image, on screen: any Screen, x: Int, y: Int, columns: Int, rows: Int) -> (columns: Int, rows: Int) {
        guard columns > 0, rows > 0 else { return (0, 0) }
        // Pixels available: columns × 2·rows; keep the aspect ratio.
        let scale = min(Double(columns) / Double(image.width), Double(2 * rows) / Double(image.height))
        let pixelWidth = max(1, Int(Double(image.width) * scale)), pixelHeight = max(2, Int(Double(image.height) * scale) / 2 * 2)
        let fitted = image.rgb().resized(width: pixelWidth, height: pixelHeight)
        let plane = pixelWidth * pixelHeight
        func pixel(_ px: Int, _ py: Int) -> (UInt8, UInt8, UInt8) {
            let i = py * pixelWidth + px
            func channel(_ c: Int) -> UInt8 { UInt8(min(max(fitted.pixels[c * plane + i], 0), 255).rounded()) }
            return (channel(0), channel(1), channel(2))
        }
        for row in 0..<(pixelHeight / 2) {
            for column in 0..<pixelWidth {
                let upper = pixel(column, 2 * row), lower = pixel(column, 2 * row + 1)
                let cell: Cell
                if screen.depth == .ascii {
                    let luminance = (Double(upper.0) + Double(upper.1) + Double(upper.2) + Double(lower.0) + Double(lower.1) + Double(lower.2)) / (6 * 255)
                    let index = min(Self.densityRamp.count - 1, Int(luminance * Double(Self.densityRamp.count)))
                    cell = Cell(Self.densityRamp[index])
                } else {
                    cell = Cell("▀", foreground: .nearest(red: upper.0, green: upper.1, blue: upper.2, depth: screen.depth),
                                background: .nearest(red: lower.0, green: lower.1, blue: lower.2, depth: screen.depth))
                }
                screen.put(cell, x: x + column, y: y + row)
            }
        }
        return (pixelWidth, pixelHeight / 2)
    }
}
