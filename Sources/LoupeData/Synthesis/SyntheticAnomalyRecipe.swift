import LoupeImaging
import LoupeTensor

/// Which synthetic defects a method trains on, and how often each: DRAEM's texture blend
/// (needs a `TextureSource`), CutPaste and scar CutPaste (need only the image); and how
/// many of a batch's twins get one (DRAEM leaves half good, so the network also learns
/// where not to fire).
public struct SyntheticAnomalyRecipe: Equatable, Sendable {
    /// Relative weights; a kind with weight 0 is never drawn.
    public var textureBlend: Float
    public var cutPaste: Float
    public var scar: Float
    /// The chance that a twin gets a defect; otherwise it stays the good image, its mask
    /// empty. At 1 no chance is drawn, so the defects are those of a recipe without it.
    public var defectiveShare: Float

    public init(textureBlend: Float = 1, cutPaste: Float = 0, scar: Float = 0, defectiveShare: Float = 1) {
        invariant(textureBlend >= 0 && cutPaste >= 0 && scar >= 0 && textureBlend + cutPaste + scar > 0,
                  "SyntheticAnomalyRecipe: weights must be non-negative and not all zero")
        invariant(defectiveShare > 0 && defectiveShare <= 1, "SyntheticAnomalyRecipe: defectiveShare must be in (0, 1]")
        self.textureBlend = textureBlend
        self.cutPaste = cutPaste
        self.scar = scar
        self.defectiveShare = defectiveShare
    }

    public var needsTextures: Bool { textureBlend > 0 }

    /// One defect drawn by weight, then made; the generator decides everything, so the same
    /// seed gives the same defect.
    public func make(_ image: Image, textures: TextureSource?, using generator: inout SeededGenerator) throws -> SyntheticAnomaly {
        if defectiveShare < 1, generator.nextUniform() >= defectiveShare {
            return SyntheticAnomaly(image: image, mask: Image(width: image.width, height: image.height, channels: 1))
        }
        let pick = generator.nextUniform() * (textureBlend + cutPaste + scar)
        if pick < textureBlend, let textures {
            return AnomalySynthesizer.textureBlend(image, texture: try textures.randomTexture(using: &generator), using: &generator)
        }
        if pick < textureBlend + cutPaste || scar == 0 { return AnomalySynthesizer.cutPaste(image, using: &generator) }
        return AnomalySynthesizer.scar(image, using: &generator)
    }
}
