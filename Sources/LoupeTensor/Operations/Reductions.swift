import Foundation

// Sums and means over all elements or along axes.

extension Tensor {
    /// The sum of all elements, as a rank-0 tensor.
    public func sum() -> Tensor {
        traced(.sum(axes: Array(0..<rank), keepingDimensions: false), [self]) {
            var total: Double = 0
            withUnsafePointer { x in
                // Pairs of partial sums in Double keep large reductions exact to Float32.
                for i in 0..<count { total += Double(x[i]) }
            }
            let inputShape = shape
            return Tensor(Float(total)).recorded(from: [self]) { g in
                [Tensor(repeating: g.item, shape: inputShape)]
            }
        }
    }

    /// The mean of all elements, as a rank-0 tensor.
    public func mean() -> Tensor {
        traced(.mean(axes: Array(0..<rank), keepingDimensions: false), [self]) {
            sum() * (1 / Float(Swift.max(count, 1)))
        }
    }

    /// Sums along `axes` (negative counts from the end); kept axes have size 1 when
    /// `keepingDimensions` is true, else they are removed.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        traced(.sum(axes: axes, keepingDimensions: keepingDimensions), [self]) {
            let normalized = Set(axes.map { normalizeAxis($0, op: "sum(alongAxes:)") })
            let kept = shape.enumerated().map { normalized.contains($0.offset) ? 1 : $0.element }
            let inputShape = shape
            let reduced = detached.summed(toShape: kept).recorded(from: [self]) { g in
                [g.broadcasted(to: inputShape)]
            }
            if keepingDimensions { return reduced }
            return reduced.reshaped(shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element))
        }
    }

    /// Means along `axes`.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        traced(.mean(axes: axes, keepingDimensions: keepingDimensions), [self]) {
            let normalized = Set(axes.map { normalizeAxis($0, op: "mean(alongAxes:)") })
            let n = normalized.reduce(1) { $0 * shape[$1] }
            return sum(alongAxes: axes, keepingDimensions: keepingDimensions) * (1 / Float(Swift.max(n, 1)))
        }
    }

    /// The largest element along `axis`, kept as size 1 (PyTorch's `amax(dim, keepdim=True)`).
    /// The gradient goes to the first largest element of each slice, as PyTorch's `max`.
    /// Each slice's rows are scanned contiguously, across the cores: sacd's channel maxima
    /// (16×24×64², along the channels) read one value per 16 KB stride one element at a time.
    public func maximum(alongAxis axis: Int) -> Tensor {
        traced(.maximum(axis: axis), [self]) {
            let axis = normalizeAxis(axis, op: "maximum(alongAxis:)")
            let outer = shape[..<axis].reduce(1, *), length = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
            var kept = shape
            kept[axis] = 1
            // winners[j]: the index along `axis` of output j's value.
            var winners = [Int32](repeating: 0, count: outer * inner)
            let result = Tensor.build(shape: kept) { out in
                withUnsafePointer { x in
                    winners.withUnsafeMutableBufferPointer { slots in
                        let winner = slots.baseAddress!
                        Parallel.forChunks(of: outer * inner, grain: Swift.max(1, 16_384 / Swift.max(length, 1))) { range in
                            var j = range.lowerBound
                            while j < range.upperBound {
                                // The part of `range` in slice row o: outputs i0..<i1 of it.
                                let o = j / inner, i0 = j - o * inner, i1 = Swift.min(inner, i0 + range.upperBound - j)
                                let base = x + o * length * inner, values = out + o * inner, won = winner + o * inner
                                if inner == 1 {
                                    // The slice is contiguous: one running maximum in a register.
                                    var best = base[0], index = 0
                                    for k in 1..<Swift.max(length, 1) where base[k] > best { best = base[k]; index = k }
                                    (values[0], won[0]) = (best, Int32(index))
                                    j += 1
                                    continue
                                }
                                for i in i0..<i1 { values[i] = base[i]; won[i] = 0 }
                                for k in 1..<Swift.max(length, 1) {
                                    let row = base + k * inner
                                    for i in i0..<i1 where row[i] > values[i] { values[i] = row[i]; won[i] = Int32(k) }
                                }
                                j += i1 - i0
                            }
                        }
                    }
                }
            }
            let inputShape = shape
            return result.recorded(from: [self]) { g in
                [Tensor.build(shape: inputShape) { gradient in
                    memset(gradient, 0, outer * length * inner * MemoryLayout<Float>.stride)
                    g.withUnsafePointer { gv in
                        for o in 0..<outer {
                            for i in 0..<inner { gradient[(o * length + Int(winners[o * inner + i])) * inner + i] += gv[o * inner + i] }
                        }
                    }
                }]
            }
        }
    }

    func normalizeAxis(_ axis: Int, op: String) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        invariant(normalized >= 0 && normalized < rank, "\(op): axis \(axis) out of range for shape \(shape)")
        return normalized
    }
}

extension Tensor {
    /// Along the last axis, the mean of the `count` largest values (all of them when there
    /// are fewer): an image score steadier than the maximum. No gradient.
    public func topMean(_ count: Int) -> Tensor {
        traced(.topMean(count: count), [self]) {
            invariant(rank >= 1 && count >= 1, "topMean: needs an axis and a count from 1, got shape \(shape) and \(count)")
            let length = shape[rank - 1], rows = self.count / Swift.max(length, 1), taken = Swift.min(count, length)
            let values = scalars
            return Tensor(shape: Array(shape.dropLast()), scalars: (0..<rows).map { row in
                let top = values[(row * length)..<((row + 1) * length)].sorted(by: >).prefix(taken)
                return top.reduce(0, +) / Float(Swift.max(taken, 1))
            })
        }
    }
}
