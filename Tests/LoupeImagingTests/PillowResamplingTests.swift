import LoupeImaging
import Testing

/// The resize as the ONNX export writes it (`--with-preprocessing`): the fixed-point weight
/// matrices as float64 products, each pass rounded as (Σ + 2^21) >> 22 and clipped, must
/// give `Image.resized`'s 8-bit values exactly (which the imaging fixtures check against
/// Pillow itself).
@Suite struct PillowResamplingTests {
    @Test(arguments: [(37, 23, 16, 16), (96, 96, 64, 64), (50, 60, 64, 64), (160, 120, 64, 48), (20, 20, 20, 9)])
    func matrixPassesEqualTheResize(_ size: (Int, Int, Int, Int)) {
        let (width, height, newWidth, newHeight) = size
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(width * 1000 + height)
        let pixels = (0..<width * height).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 56)
        }
        let image = Image(width: width, height: height, channels: 1, pixels: pixels)
        let expected = image.resized(width: newWidth, height: newHeight).pixels

        let unit = Double(1 << PillowResampling.precisionBits), half = unit / 2
        func rounded(_ sum: Double) -> Double { min(max(((sum + half) / unit).rounded(.down), 0), 255) }
        var rows = (0..<height).map { y in (0..<width).map { Double(pixels[y * width + $0]) } }
        if newWidth != width {
            let matrix = PillowResampling.fixedPointMatrix(inputSize: width, outputSize: newWidth)
            rows = rows.map { row in matrix.map { weights in rounded(zip(weights, row).reduce(0) { $0 + Double($1.0) * $1.1 }) } }
        }
        if newHeight != height {
            let matrix = PillowResampling.fixedPointMatrix(inputSize: height, outputSize: newHeight)
            rows = matrix.map { weights in (0..<newWidth).map { x in rounded(zip(weights, rows).reduce(0) { $0 + Double($1.0) * $1.1[x] }) } }
        }
        #expect(rows.flatMap { $0 }.map(Float.init) == expected)
    }
}
