import Foundation

extension Tensor {
    /// Normalises over the trailing `normalizedRank` dimensions, then scales and shifts by
    /// `weight` and `bias` (shaped like those dimensions), as PyTorch's `layer_norm`.
    public func layerNormalized(normalizedRank: Int, weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
        traced(.layerNormalization(normalizedRank: normalizedRank, epsilon: epsilon), [self, weight, bias]) {
            invariant(normalizedRank >= 1 && normalizedRank <= rank, "layerNormalized: cannot normalise \(normalizedRank) dims of shape \(shape)")
            let featureShape = Array(shape.suffix(normalizedRank))
            for p in [weight, bias].compactMap({ $0 }) {
                invariant(p.shape == featureShape, "layerNormalized: affine parameter shape \(p.shape) must be \(featureShape) for input \(shape)")
            }
            let n = featureShape.reduce(1, *)
            let rows = count / Swift.max(n, 1)
            var inverseStd = [Float](repeating: 0, count: rows)
            let normalized = Tensor.build(shape: shape) { out in
                withUnsafePointer { x in
                    for r in 0..<rows {
                        var sum: Float = 0
                        for i in 0..<n { sum += x[r * n + i] }
                        let mean = sum / Float(n)
                        var sq: Float = 0
                        for i in 0..<n { let d = x[r * n + i] - mean; sq += d * d }
                        let invStd = 1 / (sq / Float(n) + epsilon).squareRoot()
                        inverseStd[r] = invStd
                        for i in 0..<n { out[r * n + i] = (x[r * n + i] - mean) * invStd }
                    }
                }
            }
            let saved = normalized
            let unaffine = normalized.recorded(from: [self]) { g in
                // dx = invStd · (g − mean(g) − x̂ · mean(g·x̂)) per row.
                [Tensor.build(shape: saved.shape) { out in
                    g.withUnsafePointer { gp in
                        saved.withUnsafePointer { xh in
                            for r in 0..<rows {
                                var meanG: Float = 0, meanGX: Float = 0
                                for i in 0..<n { meanG += gp[r * n + i]; meanGX += gp[r * n + i] * xh[r * n + i] }
                                meanG /= Float(n); meanGX /= Float(n)
                                for i in 0..<n { out[r * n + i] = inverseStd[r] * (gp[r * n + i] - meanG - xh[r * n + i] * meanGX) }
                            }
                        }
                    }
                }]
            }
            var result = unaffine
            if let weight { result = result * weight }
            if let bias { result = result + bias }
            return result
        }
    }
}
