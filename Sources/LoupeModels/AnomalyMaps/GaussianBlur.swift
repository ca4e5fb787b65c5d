import Foundation
import LoupeTensor

/// Gaussian smoothing as `scipy.ndimage.gaussian_filter`: separable, radius ⌊truncate·σ + ½⌋,
/// borders mirrored half-sample-symmetrically (… c b a | a b c …, scipy's "reflect").
public struct GaussianBlur: Sendable {
    public let sigma: Double
    let weights: [Double]
    var radius: Int { weights.count / 2 }

    public init(sigma: Double, truncate: Double = 4) {
        self.sigma = sigma
        let radius = Int(truncate * sigma + 0.5)
        let raw = (-radius...radius).map { Foundation.exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = raw.reduce(0, +)
        weights = raw.map { $0 / total }
    }

    /// Index `i` mirrored into 0..<size.
    @inline(__always)
    static func reflect(_ i: Int, _ size: Int) -> Int {
        guard size > 1 else { return 0 }
        let period = 2 * size
        var m = i % period
        if m < 0 { m += period }
        return m < size ? m : period - 1 - m
    }

    /// Blurs each H×W plane of a tensor (…×H×W).
    public func callAsFunction(_ maps: Tensor) -> Tensor {
        guard sigma > 0 else { return maps }
        let (height, width) = (maps.shape[maps.rank - 2], maps.shape[maps.rank - 1])
        let planes = maps.count / max(height * width, 1)
        return Tensor.build(shape: maps.shape) { out in
            maps.withUnsafePointer { input in
                Parallel.forEach(planes) { p in
                    var rows = [Double](repeating: 0, count: height * width)
                    let plane = input + p * height * width
                    for y in 0..<height {
                        for x in 0..<width {
                            var sum = 0.0
                            for (k, w) in weights.enumerated() { sum += w * Double(plane[y * width + Self.reflect(x + k - radius, width)]) }
                            rows[y * width + x] = sum
                        }
                    }
                    let target = out + p * height * width
                    for y in 0..<height {
                        for x in 0..<width {
                            var sum = 0.0
                            for (k, w) in weights.enumerated() { sum += w * rows[Self.reflect(y + k - radius, height) * width + x] }
                            target[y * width + x] = Float(sum)
                        }
                    }
                }
            }
        }
    }
}
