import LoupeImaging
import LoupeModels
import LoupeTensor

/// How a run turns files into network inputs and masks: the one place training,
/// evaluation and inference prepare images, so they can never drift apart.
public struct Preprocessing: Sendable {
    public let size: Int
    public let normalization: Normalization

    public init(size: Int, normalization: Normalization) {
        self.size = size
        self.normalization = normalization
    }

    /// 1×3×size×size: resized as Pillow's bilinear (grey first, then replicated), normalised.
    public func input(_ path: String) throws -> Tensor {
        try PNG.read(path).resized(width: size, height: size).rgb().tensor(normalization: normalization)
    }

    /// size×size booleans: nearest-resized, > 127 is defect (as the reference).
    public func mask(_ path: String?) throws -> [Bool] {
        guard let path else { return [Bool](repeating: false, count: size * size) }
        return try PNG.read(path).grey().resizedNearest(width: size, height: size).pixels.map { $0 > 127 }
    }
}
