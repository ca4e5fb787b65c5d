extension Tensor {
    /// Cosine similarity of `self` and `other` along axis 1 (channels), at every other
    /// index: ⟨a,b⟩ / max(‖a‖‖b‖, ε). NCHW inputs give an N×H×W result.
    public func cosineSimilarity(_ other: Tensor, epsilon: Float = 1e-8) -> Tensor {
        traced(.cosineSimilarity(epsilon: epsilon), [self, other]) {
            invariant(shape == other.shape, "cosineSimilarity: shapes \(shape) and \(other.shape) differ")
            invariant(rank >= 2, "cosineSimilarity: needs a channel axis (rank ≥ 2), got shape \(shape)")
            let layout = ChannelLayout(outer: shape[0], channels: shape[1], inner: shape[2...].reduce(1, *))
            let positions = layout.positions
            // Per position: ⟨a,b⟩, ‖a‖², ‖b‖², then max(‖a‖‖b‖, ε).
            var sums = [Float](repeating: 0, count: 4 * positions)
            let epsilonSquared = epsilon * epsilon
            sums.withUnsafeMutableBufferPointer { sums in
                let (dots, squaredA, squaredB, denominators) = layout.split(sums.baseAddress!)
                withUnsafePointer { a in
                    other.withUnsafePointer { b in
                        layout.forEachRun { base, position, count in
                            for i in 0..<count {
                                let x = a[base + i], y = b[base + i]
                                dots[position + i] += x * y
                                squaredA[position + i] += x * x
                                squaredB[position + i] += y * y
                            }
                        } finishing: { position, count in
                            for p in position..<(position + count) {
                                denominators[p] = Swift.max(squaredA[p] * squaredB[p], epsilonSquared).squareRoot()
                            }
                        }
                    }
                }
            }
            let cosines = Tensor.build(shape: [layout.outer] + Array(shape[2...])) { out in
                sums.withUnsafeBufferPointer { sums in
                    let (dots, _, _, denominators) = layout.split(sums.baseAddress!)
                    for p in 0..<positions { out[p] = dots[p] / denominators[p] }
                }
            }
            let left = detached, right = other.detached
            let needsLeft = requiresGradient, needsRight = other.requiresGradient
            return cosines.recorded(from: [self, other]) { g in
                // d cos / dx = y / D − cos · x / ‖x‖² (the second term 0 where D was clamped to ε),
                // so per position dx = (g / D) · y − (g · cos / ‖x‖²) · x.
                func gradient(of x: Tensor, partner y: Tensor, isLeft: Bool) -> Tensor {
                    var coefficients = [Float](repeating: 0, count: 2 * positions)
                    coefficients.withUnsafeMutableBufferPointer { coefficients in
                        sums.withUnsafeBufferPointer { sums in
                            let (dots, squaredA, squaredB, denominators) = layout.split(sums.baseAddress!)
                            let ownSquared = isLeft ? squaredA : squaredB
                            g.withUnsafePointer { gp in
                                for p in 0..<positions {
                                    let dot = dots[p], denominator = denominators[p]
                                    let clamped = squaredA[p] * squaredB[p] <= epsilonSquared
                                    coefficients[p] = gp[p] / denominator
                                    coefficients[positions + p] = clamped ? 0 : gp[p] * (dot / denominator) / ownSquared[p]
                                }
                            }
                        }
                    }
                    return Tensor.build(shape: x.shape) { out in
                        x.withUnsafePointer { xp in
                            y.withUnsafePointer { yp in
                                coefficients.withUnsafeBufferPointer { coefficients in
                                    let partnerScale = coefficients.baseAddress!, ownScale = partnerScale + positions
                                    layout.forEachRun { base, position, count in
                                        for i in 0..<count {
                                            out[base + i] = partnerScale[position + i] * yp[base + i] - ownScale[position + i] * xp[base + i]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                return [needsLeft ? gradient(of: left, partner: right, isLeft: true) : nil,
                        needsRight ? gradient(of: right, partner: left, isLeft: false) : nil]
            }
        }
    }
}

/// An outer × channels × inner tensor reduced over its channels, walked in runs of
/// positions so the work spreads over the cores (the loss of a distillation step runs
/// it on every student output).
private struct ChannelLayout {
    let outer: Int, channels: Int, inner: Int
    var positions: Int { outer * inner }

    /// Four per-position arrays laid end to end in `storage`.
    func split<Pointer: Strideable>(_ storage: Pointer) -> (Pointer, Pointer, Pointer, Pointer) where Pointer.Stride == Int {
        (storage, storage.advanced(by: positions), storage.advanced(by: 2 * positions), storage.advanced(by: 3 * positions))
    }

    /// For each run of `count` positions from `position` (within one outer index), calls
    /// `body(base, position, count)` channel after channel, `base` the run's first element
    /// in that channel; then `finishing(position, count)` once the run's channels are done.
    func forEachRun(_ body: (_ base: Int, _ position: Int, _ count: Int) -> Void,
                    finishing: (_ position: Int, _ count: Int) -> Void = { _, _ in }) {
        Parallel.forChunks(of: positions, grain: 512) { chunk in
            var position = chunk.lowerBound
            while position < chunk.upperBound {
                let o = position / inner, i = position % inner
                let count = Swift.min(inner - i, chunk.upperBound - position)
                for c in 0..<channels { body((o * channels + c) * inner + i, position, count) }
                finishing(position, count)
                position += count
            }
        }
    }
}
