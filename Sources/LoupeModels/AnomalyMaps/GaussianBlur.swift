import Foundation
import LoupeTensor

/// Gaussian smoothing as `scipy.ndimage.gaussian_filter`: separable, radius ⌊truncate·σ + ½⌋,
/// borders mirrored half-sample-symmetrically (… c b a | a b c …, scipy's "reflect").
public struct GaussianBlur: Sendable {
    public let sigma: Double
    /// The normalised taps, centre in the middle.
    public let weights: [Double]
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
        return Tensor.traced(.separableBlur(taps: weights.map(Float.init)), [maps]) { blurred(maps) }
    }

    private func blurred(_ maps: Tensor) -> Tensor {
        let (height, width) = (maps.shape[maps.rank - 2], maps.shape[maps.rank - 1])
        let planes = maps.count / max(height * width, 1)
        let taps = weights.map(Float.init), r = radius
        return Tensor.build(shape: maps.shape) { out in
            maps.withUnsafePointer { input in
                Parallel.forEach(planes) { p in
                    let plane = input + p * height * width, target = out + p * height * width
                    // Horizontal pass into rows padded by reflection, then the vertical pass
                    // reads whole padded rows: both inner loops are contiguous.
                    var padded = [Float](repeating: 0, count: width + 2 * r)
                    var rows = [Float](repeating: 0, count: (height + 2 * r) * width)
                    for y in 0..<height {
                        for i in 0..<(width + 2 * r) { padded[i] = plane[y * width + Self.reflect(i - r, width)] }
                        padded.withUnsafeBufferPointer { line in
                            rows.withUnsafeMutableBufferPointer { blurred in
                                let row = blurred.baseAddress! + (y + r) * width
                                for x in 0..<width {
                                    var sum: Float = 0
                                    for k in 0..<taps.count { sum += taps[k] * line[x + k] }
                                    row[x] = sum
                                }
                            }
                        }
                    }
                    for y in 0..<(2 * r) {
                        // Reflected rows above and below.
                        let destination = y < r ? y : height + y
                        let source = Self.reflect(destination - r, height) + r
                        for x in 0..<width { rows[destination * width + x] = rows[source * width + x] }
                    }
                    rows.withUnsafeBufferPointer { blurred in
                        for y in 0..<height {
                            let row = target + y * width
                            for x in 0..<width { row[x] = 0 }
                            for k in 0..<taps.count {
                                let weight = taps[k], source = blurred.baseAddress! + (y + k) * width
                                for x in 0..<width { row[x] += weight * source[x] }
                            }
                        }
                    }
                }
            }
        }
    }
}
