import LoupeConsole
import LoupeImaging
import Testing

@Suite struct RenderingTests {
    @Test func paletteColoursAreXtermIndices() {
        #expect(TerminalColour.nearest(red: 255, green: 0, blue: 0, depth: .palette256) == .palette(196))
        #expect(TerminalColour.nearest(red: 0, green: 0, blue: 0, depth: .palette256) == .palette(16))
        #expect(TerminalColour.nearest(red: 255, green: 255, blue: 255, depth: .palette256) == .palette(231))
        #expect(TerminalColour.nearest(red: 128, green: 128, blue: 128, depth: .palette256) == .palette(244))  // grey ramp 8 + 10·12
        #expect(TerminalColour.nearest(red: 200, green: 30, blue: 220, depth: .eight) == .palette(5))  // magenta
        #expect(TerminalColour.nearest(red: 1, green: 2, blue: 3, depth: .ascii) == .standard)
    }

    /// A 2×4 image (top red, bottom blue, in halves) becomes 2×2 cells: '▀' with the upper
    /// pixel as foreground and the lower as background.
    @Test func halfBlocksCarryTwoPixelsPerCell() {
        var pixels = [Float](repeating: 0, count: 3 * 8)
        for i in 0..<4 { pixels[i] = 255 }          // red channel, rows 0–1
        for i in 4..<8 { pixels[16 + i] = 255 }     // blue channel, rows 2–3
        let image = Image(width: 2, height: 4, channels: 3, pixels: pixels)
        let screen = MemoryScreen(width: 10, height: 5)
        let used = HalfBlockRenderer().draw(image, on: screen, x: 1, y: 1, columns: 2, rows: 2)
        #expect(used == (2, 2))
        #expect(screen[1, 1] == Cell("▀", foreground: .palette(196), background: .palette(196)))
        #expect(screen[2, 2] == Cell("▀", foreground: .palette(21), background: .palette(21)))
        #expect(screen[0, 0] == .blank && screen[3, 1] == .blank)
    }

    @Test func asciiFallbackUsesTheDensityRamp() {
        let image = Image(width: 4, height: 2, channels: 1, pixels: [0, 90, 180, 255, 0, 90, 180, 255])
        let screen = MemoryScreen(width: 4, height: 1, depth: .ascii)
        HalfBlockRenderer().draw(image, on: screen, x: 0, y: 0, columns: 4, rows: 1)
        // Luminance 0, 0.35, 0.71, 1.0 → ramp index ⌊10·l⌋ (capped at 9) → ' ', '-', '#', '@'.
        #expect(screen.line(0) == " -#@")
    }

    @Test func textIsClippedAtTheEdge() {
        let screen = MemoryScreen(width: 5, height: 1)
        screen.text("threshold", x: 1, y: 0)
        #expect(screen.line(0) == " thre")
    }
}
