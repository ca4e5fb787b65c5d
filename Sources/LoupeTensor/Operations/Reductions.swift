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
    public func maximum(alongAxis axis: Int) -> Tensor {
        traced(.maximum(axis: axis), [self]) {
            let axis = normalizeAxis(axis, op: "maximum(alongAxis:)")
            let outer = shape[..<axis].reduce(1, *), length = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
            var values = [Float](repeating: 0, count: outer * inner), winners = [Int](repeating: 0, count: outer * inner)
            withUnsafePointer { x in
                for o in 0..<outer {
                    for i in 0..<inner {
                        var best = x[o * length * inner + i], winner = 0
                        for k in 1..<Swift.max(length, 1) where x[(o * length + k) * inner + i] > best {
                            best = x[(o * length + k) * inner + i]
                            winner = k
                        }
                        values[o * inner + i] = best
                        winners[o * inner + i] = (o * length + winner) * inner + i
                    }
                }
            }
            var kept = shape
            kept[axis] = 1
            let inputShape = shape, total = count
            return Tensor(shape: kept, scalars: values).recorded(from: [self]) { g in
                var gradient = [Float](repeating: 0, count: total)
                g.withUnsafePointer { gv in for (index, target) in winners.enumerated() { gradient[target] += gv[index] } }
                return [Tensor(shape: inputShape, scalars: gradient)]
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
