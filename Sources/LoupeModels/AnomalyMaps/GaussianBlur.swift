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

    /// Two passes, each split by rows over the cores (a single map at batch 1 used one core
    /// and took as long as scipy's blur): the horizontal pass eight columns at a time from a
    /// reflected copy of the row, then the vertical pass reading each tap's row reflected in
    /// place. Every value sums its taps in the same order as before, so maps are unchanged.
    private func blurred(_ maps: Tensor) -> Tensor {
        let (height, width) = (maps.shape[maps.rank - 2], maps.shape[maps.rank - 1])
        let planes = maps.count / max(height * width, 1), area = height * width
        let taps = weights.map(Float.init), r = radius
        let horizontal = Tensor.build(shape: maps.shape) { rows in
            maps.withUnsafePointer { input in
                Parallel.forChunks(of: planes * height, grain: 16) { chunk in
                    var padded = [Float](repeating: 0, count: width + 2 * r)
                    padded.withUnsafeMutableBufferPointer { line in
                        let line = line.baseAddress!
                        for rowIndex in chunk {
                            let source = input + rowIndex * width, row = rows + rowIndex * width
                            for i in 0..<(width + 2 * r) { line[i] = source[Self.reflect(i - r, width)] }
                            var x = 0
                            while x + 8 <= width {
                                var sum = SIMD8<Float>()
                                for k in 0..<taps.count { sum += taps[k] * UnsafeRawPointer(line + x + k).loadUnaligned(as: SIMD8<Float>.self) }
                                UnsafeMutableRawPointer(row + x).storeBytes(of: sum, as: SIMD8<Float>.self)
                                x += 8
                            }
                            while x < width {
                                var sum: Float = 0
                                for k in 0..<taps.count { sum += taps[k] * line[x + k] }
                                row[x] = sum
                                x += 1
                            }
                        }
                    }
                }
            }
        }
        return Tensor.build(shape: maps.shape) { out in
            horizontal.withUnsafePointer { rows in
                Parallel.forChunks(of: planes * height, grain: 16) { chunk in
                    for rowIndex in chunk {
                        let plane = rowIndex / height, y = rowIndex % height
                        let row = out + rowIndex * width
                        for x in 0..<width { row[x] = 0 }
                        for k in 0..<taps.count {
                            let weight = taps[k], source = rows + plane * area + Self.reflect(y + k - r, height) * width
                            for x in 0..<width { row[x] += weight * source[x] }
                        }
                    }
                }
            }
        }
    }
}
