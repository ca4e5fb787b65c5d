extension Tensor {
    /// Cosine similarity of `self` and `other` along axis 1 (channels), at every other
    /// index: ⟨a,b⟩ / max(‖a‖‖b‖, ε). NCHW inputs give an N×H×W result.
    public func cosineSimilarity(_ other: Tensor, epsilon: Float = 1e-8) -> Tensor {
        invariant(shape == other.shape, "cosineSimilarity: shapes \(shape) and \(other.shape) differ")
        invariant(rank >= 2, "cosineSimilarity: needs a channel axis (rank ≥ 2), got shape \(shape)")
        let outer = shape[0], channels = shape[1]
        let inner = shape[2...].reduce(1, *)
        let outShape = [outer] + Array(shape[2...])
        let positions = outer * inner
        var dots = [Float](repeating: 0, count: positions)
        var squaredA = [Float](repeating: 0, count: positions)
        var squaredB = [Float](repeating: 0, count: positions)
        withUnsafePointer { a in
            other.withUnsafePointer { b in
                for o in 0..<outer {
                    for c in 0..<channels {
                        let base = (o * channels + c) * inner
                        for i in 0..<inner {
                            let x = a[base + i], y = b[base + i]
                            dots[o * inner + i] += x * y
                            squaredA[o * inner + i] += x * x
                            squaredB[o * inner + i] += y * y
                        }
                    }
                }
            }
        }
        let epsilonSquared = epsilon * epsilon
        let denominators = (0..<positions).map { Swift.max(squaredA[$0] * squaredB[$0], epsilonSquared).squareRoot() }
        let cosines = Tensor.build(shape: outShape) { out in
            for p in 0..<positions { out[p] = dots[p] / denominators[p] }
        }
        let left = detached, right = other.detached
        let needsLeft = requiresGradient, needsRight = other.requiresGradient
        return cosines.recorded(from: [self, other]) { g in
            func gradient(of x: Tensor, partner y: Tensor, squared: [Float]) -> Tensor {
                Tensor.build(shape: x.shape) { out in
                    x.withUnsafePointer { xp in
                        y.withUnsafePointer { yp in
                            g.withUnsafePointer { gp in
                                for o in 0..<outer {
                                    for c in 0..<channels {
                                        let base = (o * channels + c) * inner
                                        for i in 0..<inner {
                                            let p = o * inner + i
                                            let clamped = squaredA[p] * squaredB[p] <= epsilonSquared
                                            let cosine = dots[p] / denominators[p]
                                            let own = clamped ? 0 : cosine * xp[base + i] / squared[p]
                                            out[base + i] = gp[p] * (yp[base + i] / denominators[p] - own)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return [needsLeft ? gradient(of: left, partner: right, squared: squaredA) : nil,
                    needsRight ? gradient(of: right, partner: left, squared: squaredB) : nil]
        }
    }
}
