import Foundation
import LoupeData
import LoupeImaging
import LoupeTensor
import Testing

@Suite struct SynthesisTests {
    static func photo(channels: Int = 3, width: Int = 64, height: Int = 48, seed: UInt64 = 1) -> Image {
        var generator = SeededGenerator(seed: seed)
        return Image(width: width, height: height, channels: channels,
                     pixels: (0..<(width * height * channels)).map { _ in Float(generator.next() % 256) })
    }

    static func unchangedOutsideMask(_ anomaly: SyntheticAnomaly, _ image: Image) -> Bool {
        let plane = image.width * image.height
        for i in 0..<plane where anomaly.mask.pixels[i] == 0 {
            for c in 0..<image.channels where anomaly.image.pixels[c * plane + i] != image.pixels[c * plane + i] { return false }
        }
        return true
    }

    /// Gradient noise is exactly zero on lattice points and varies smoothly between them.
    @Test func perlinNoiseIsZeroOnTheLatticeAndSmooth() {
        var generator = SeededGenerator(seed: 4)
        let noise = PerlinNoise(cellsY: 4, cellsX: 8, using: &generator)
        let values = noise.sample(width: 64, height: 32)  // 8 px per cell both ways
        for cy in 0..<4 { for cx in 0..<8 { #expect(abs(values[(cy * 8) * 64 + cx * 8]) < 1e-6) } }
        #expect(values.allSatisfy { abs($0) <= 1.5 })
        #expect(values.contains { abs($0) > 0.2 })
        // A corner mix-up would jump by order 1 at cell borders; the smooth slope stays near
        // √2·2 per cell, about 0.35 per pixel at 8 pixels a cell.
        for y in 0..<32 { for x in 0..<63 { #expect(abs(values[y * 64 + x + 1] - values[y * 64 + x]) < 0.45) } }
    }

    @Test func textureBlendChangesOnlyMaskedPixelsByOneBeta() {
        var generator = SeededGenerator(seed: 9)
        let image = Self.photo(), texture = Self.photo(seed: 2)
        let anomaly = AnomalySynthesizer.textureBlend(image, texture: texture, using: &generator)
        let plane = image.width * image.height
        let masked = (0..<plane).filter { anomaly.mask.pixels[$0] > 0 }
        #expect(!masked.isEmpty && masked.count < plane)
        #expect(Self.unchangedOutsideMask(anomaly, image))
        // Inside the mask, pixel = (1−β)·A + β·I for one β in [0, 0.8].
        let source = texture.resized(width: image.width, height: image.height)
        let betas = masked.flatMap { i in (0..<3).compactMap { c -> Float? in
            let k = c * plane + i
            let spread = image.pixels[k] - source.pixels[k]
            return abs(spread) > 20 ? (anomaly.image.pixels[k] - source.pixels[k]) / spread : nil
        } }
        let beta = betas.reduce(0, +) / Float(betas.count)
        #expect(beta >= 0 && beta <= 0.8)
        #expect(betas.allSatisfy { abs($0 - beta) < 1e-3 })
    }

    /// A grey texture in a colour image blends the texture copied to three channels and
    /// resized, whichever order the synthesizer does the two in.
    @Test func greyTextureBlendsAsItsColourCopyResized() {
        var generator = SeededGenerator(seed: 5)
        let image = Self.photo(), texture = Self.photo(channels: 1, width: 100, height: 70, seed: 3)
        let anomaly = AnomalySynthesizer.textureBlend(image, texture: texture, using: &generator)
        let plane = image.width * image.height
        let source = texture.rgb().resized(width: image.width, height: image.height)
        let betas = (0..<plane).filter { anomaly.mask.pixels[$0] > 0 }.flatMap { i in (0..<3).compactMap { c -> Float? in
            let k = c * plane + i
            let spread = image.pixels[k] - source.pixels[k]
            return abs(spread) > 20 ? (anomaly.image.pixels[k] - source.pixels[k]) / spread : nil
        } }
        #expect(betas.count > 50)
        #expect(betas.allSatisfy { abs($0 - betas[0]) < 1e-4 })
    }

    @Test func cutPasteAndScarChangeOnlyTheirFootprint() {
        var generator = SeededGenerator(seed: 5)
        let image = Self.photo(width: 96, height: 80)
        let plane = image.width * image.height
        for round in 0..<20 {
            let anomaly = round % 2 == 0 ? AnomalySynthesizer.cutPaste(image, using: &generator) : AnomalySynthesizer.scar(image, using: &generator)
            let area = anomaly.mask.pixels.filter { $0 > 0 }.count
            #expect(area > 0)
            let limit: Int = round % 2 == 0 ? plane * 16 / 100 + 96 : 16 * 25 + 60
            #expect(area <= limit)
            #expect(Self.unchangedOutsideMask(anomaly, image))
        }
    }

    @Test func augmentationIsSeededAndShapePreserving() {
        let augmentation = Augmentation(horizontalFlipProbability: 0.5, verticalFlipProbability: 0.5, maximumRotationDegrees: 10,
                                        brightness: 0.2, contrast: 0.2, saturation: 0.2)
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        let image = Self.photo()
        let first = augmentation.apply(image, using: &a), second = augmentation.apply(image, using: &b)
        #expect(first == second && first.width == image.width && first.height == image.height)
        #expect(first.pixels.allSatisfy { $0 >= 0 && $0 <= 255 })
        #expect(Augmentation.none.apply(image, using: &a) == image)
    }

    @Test func rotationByNinetyDegreesMovesPixelsAsExpected() {
        let image = Image(width: 5, height: 5, channels: 1, pixels: (0..<25).map(Float.init))
        let rotated = image.rotated(degrees: 90)
        #expect(image.rotated(degrees: 0).pixels == image.pixels)
        // 90° about the centre maps (x, y) → (y, 4 − x) under this convention, or its mirror.
        var transposed: [Float] = [], mirrored: [Float] = []
        for i in 0..<25 {
            let (x, y) = (i % 5, i / 5)
            transposed.append(image.pixels[x * 5 + 4 - y])
            mirrored.append(image.pixels[(4 - x) * 5 + y])
        }
        func matches(_ expected: [Float]) -> Bool { zip(rotated.pixels, expected).allSatisfy { abs($0 - $1) < 1e-3 } }
        let either = matches(transposed) || matches(mirrored)
        #expect(either)
    }
}
