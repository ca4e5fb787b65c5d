import Foundation
import LoupeImaging
import LoupeTensor

/// A good image turned defective, with the exact mask (1 channel, 0 or 255) of what changed.
public struct SyntheticAnomaly: Sendable {
    public let image: Image
    public let mask: Image
}

/// Makes synthetic defects for the methods that train on them (papers 002 and 003).
public enum AnomalySynthesizer {
    /// DRAEM (Zavrtanik et al. 2021), as paper 003 eq. 1: a binarised, rotated Perlin mask M
    /// (2^[0,6] cells per axis, threshold 0.5), and I' = (1−M)·I + M·((1−β)·A + β·I) with A
    /// a texture crop and β ~ U[0, 0.8).
    public static func textureBlend(_ image: Image, texture: Image, using generator: inout SeededGenerator) -> SyntheticAnomaly {
        var mask: [Float] = []
        // A threshold can leave an empty mask; draw again (rarely more than twice).
        for _ in 0..<16 {
            mask = perlinMask(width: image.width, height: image.height, using: &generator)
            if mask.contains(1) { break }
        }
        // A grey texture for a colour image is resized before it is copied to three channels
        // (the same values, a third of the work); a colour one is made grey first.
        let source = texture.channels < image.channels
            ? texture.resized(width: image.width, height: image.height).matchingChannels(of: image)
            : texture.matchingChannels(of: image).resized(width: image.width, height: image.height)
        let beta = generator.nextUniform() * 0.8
        let plane = image.width * image.height
        var pixels = image.pixels
        for c in 0..<image.channels {
            for i in 0..<plane where mask[i] > 0 {
                let k = c * plane + i
                pixels[k] = (1 - beta) * source.pixels[k] + beta * image.pixels[k]
            }
        }
        return SyntheticAnomaly(image: Image(width: image.width, height: image.height, channels: image.channels, pixels: pixels, sourceBitDepth: 16),
                                mask: Image(width: image.width, height: image.height, channels: 1, pixels: mask.map { $0 * 255 }))
    }

    /// A binary (0/1) Perlin mask as DRAEM draws it.
    public static func perlinMask(width: Int, height: Int, using generator: inout SeededGenerator) -> [Float] {
        let cellsY = 1 << Int(generator.next() % 7), cellsX = 1 << Int(generator.next() % 7)
        let noise = PerlinNoise(cellsY: min(cellsY, height), cellsX: min(cellsX, width), using: &generator)
        let degrees = (generator.nextUniform() * 2 - 1) * 90
        let rotated = Image(width: width, height: height, channels: 1, pixels: noise.sample(width: width, height: height), sourceBitDepth: 16)
            .rotated(degrees: degrees)
        return rotated.pixels.map { $0 > 0.5 ? 1 : 0 }
    }

    /// CutPaste (Li et al. 2021): a rectangle of 2–15 % of the area, aspect ratio
    /// log-uniform in [0.3, 3.3], cut from one place, colour-jittered, pasted at another.
    public static func cutPaste(_ image: Image, using generator: inout SeededGenerator) -> SyntheticAnomaly {
        let area = Float(image.width * image.height) * (0.02 + 0.13 * generator.nextUniform())
        let aspect = Foundation.exp(Foundation.log(Float(0.3)) + generator.nextUniform() * 2 * Foundation.log(Float(1 / 0.3)))
        let patchWidth = max(1, min(image.width - 1, Int((area * aspect).squareRoot())))
        let patchHeight = max(1, min(image.height - 1, Int((area / aspect).squareRoot())))
        return paste(image, patchWidth: patchWidth, patchHeight: patchHeight, rotation: 0, using: &generator)
    }

    /// Scar CutPaste: a thin strip 2–16 px wide, 10–25 px long, rotated by ±45°.
    public static func scar(_ image: Image, using generator: inout SeededGenerator) -> SyntheticAnomaly {
        let patchWidth = min(image.width - 1, 2 + Int(generator.next() % 15))
        let patchHeight = min(image.height - 1, 10 + Int(generator.next() % 16))
        let rotation = (generator.nextUniform() * 2 - 1) * 45
        return paste(image, patchWidth: patchWidth, patchHeight: patchHeight, rotation: rotation, using: &generator)
    }

    /// Cuts a patch, jitters its colour, and pastes it (rotated by `rotation` degrees about
    /// its centre) at a random place; the mask is the pasted footprint.
    private static func paste(_ image: Image, patchWidth: Int, patchHeight: Int, rotation: Float,
                              using generator: inout SeededGenerator) -> SyntheticAnomaly {
        let fromX = Int(generator.next() % UInt64(image.width - patchWidth + 1))
        let fromY = Int(generator.next() % UInt64(image.height - patchHeight + 1))
        let patch = image.cropped(x: fromX, y: fromY, width: patchWidth, height: patchHeight)
            .colourJittered(brightness: 1 + (generator.nextUniform() * 2 - 1) * 0.1,
                            contrast: 1 + (generator.nextUniform() * 2 - 1) * 0.1,
                            saturation: 1 + (generator.nextUniform() * 2 - 1) * 0.1)
        // The rotated footprint's bounding box must fit in the image.
        let radians = Double(rotation) * .pi / 180
        let (c, s) = (abs(cos(radians)), abs(sin(radians)))
        let boxWidth = min(image.width, Int((Double(patchWidth) * c + Double(patchHeight) * s).rounded(.up)))
        let boxHeight = min(image.height, Int((Double(patchWidth) * s + Double(patchHeight) * c).rounded(.up)))
        let toX = Int(generator.next() % UInt64(image.width - boxWidth + 1))
        let toY = Int(generator.next() % UInt64(image.height - boxHeight + 1))
        let centreX = Double(toX) + Double(boxWidth) / 2, centreY = Double(toY) + Double(boxHeight) / 2
        var pixels = image.pixels
        var mask = [Float](repeating: 0, count: image.width * image.height)
        let plane = image.width * image.height, patchPlane = patchWidth * patchHeight
        let (cosine, sine) = (cos(radians), sin(radians))
        for y in toY..<(toY + boxHeight) {
            for x in toX..<(toX + boxWidth) {
                // Patch coordinates of this pixel's centre, by inverse rotation.
                let dx = Double(x) + 0.5 - centreX, dy = Double(y) + 0.5 - centreY
                let px = cosine * dx + sine * dy + Double(patchWidth) / 2
                let py = -sine * dx + cosine * dy + Double(patchHeight) / 2
                guard px >= 0, py >= 0, px < Double(patchWidth), py < Double(patchHeight) else { continue }
                let source = Int(py) * patchWidth + Int(px)
                for channel in 0..<image.channels {
                    pixels[channel * plane + y * image.width + x] = patch.pixels[channel * patchPlane + source]
                }
                mask[y * image.width + x] = 255
            }
        }
        return SyntheticAnomaly(image: Image(width: image.width, height: image.height, channels: image.channels, pixels: pixels, sourceBitDepth: 16),
                                mask: Image(width: image.width, height: image.height, channels: 1, pixels: mask))
    }
}

extension Image {
    /// This image with the channel count of `other` (grey ↔ RGB).
    func matchingChannels(of other: Image) -> Image {
        if channels == other.channels { return self }
        return other.channels == 1 ? grey() : rgb()
    }
}
