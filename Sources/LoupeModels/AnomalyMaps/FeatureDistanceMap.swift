import LoupeTensor

/// How an anomaly map becomes one score per image.
public enum ImageScore: Equatable, Sendable, Codable {
    case maximum
    /// The mean of the `k` highest pixels: steadier than the maximum on noisy maps.
    case topMean(Int)

    /// One score per row of `maps` (N×H×W): the engine's operations, so an export records them.
    public func callAsFunction(maps: Tensor) -> Tensor {
        let rows = maps.reshaped([maps.shape[0], -1])
        switch self {
        case .maximum: return rows.maximum(alongAxis: 1).reshaped([-1])
        case let .topMean(k): return rows.topMean(max(1, k))
        }
    }

    public func callAsFunction(_ map: ArraySlice<Float>) -> Float {
        switch self {
        case .maximum: return map.max() ?? 0
        case let .topMean(k):
            let top = map.sorted(by: >).prefix(max(1, k))
            return top.reduce(0, +) / Float(top.count)
        }
    }
}

/// The distillation anomaly map: per scale 1 − cos(teacher, student) over channels,
/// upsampled bilinearly to the input size (`align_corners=False`), summed, then blurred.
public struct FeatureDistanceMap: Sendable {
    /// Its values: three scales' 1 − cos, each in [0, 2].
    public static let range: ClosedRange<Float> = 0...6

    public let height: Int, width: Int
    public let blur: GaussianBlur

    public init(height: Int, width: Int, sigma: Double = 4) {
        self.height = height
        self.width = width
        blur = GaussianBlur(sigma: sigma)
    }

    /// N×H×W maps for a batch.
    public func callAsFunction(teacher: [Tensor], student: [Tensor]) -> Tensor {
        blur(unblurred(teacher: teacher, student: student))
    }

    /// N×H×W maps before the blur: tiles are stitched first and the whole frame blurred
    /// once, so no seam shows where one tile's blur would stop.
    public func unblurred(teacher: [Tensor], student: [Tensor]) -> Tensor {
        withoutGradients {
            var sum: Tensor?
            for (t, s) in zip(teacher, student) {
                let distance = (1 - t.cosineSimilarity(s)).reshaped([t.shape[0], 1, t.shape[2], t.shape[3]])
                let upsampled = distance.resizedBilinear(height: height, width: width)
                sum = sum.map { $0 + upsampled } ?? upsampled
            }
            return sum!.reshaped([teacher[0].shape[0], height, width])
        }
    }
}
