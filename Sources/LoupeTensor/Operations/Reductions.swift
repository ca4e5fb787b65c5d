// Sums and means over all elements or along axes.

extension Tensor {
    /// The sum of all elements, as a rank-0 tensor.
    public func sum() -> Tensor {
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

    /// The mean of all elements, as a rank-0 tensor.
    public func mean() -> Tensor {
        sum() * (1 / Float(Swift.max(count, 1)))
    }

    /// Sums along `axes` (negative counts from the end); kept axes have size 1 when
    /// `keepingDimensions` is true, else they are removed.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let normalized = Set(axes.map { normalizeAxis($0, op: "sum(alongAxes:)") })
        let kept = shape.enumerated().map { normalized.contains($0.offset) ? 1 : $0.element }
        let inputShape = shape
        let reduced = detached.summed(toShape: kept).recorded(from: [self]) { g in
            [g.broadcasted(to: inputShape)]
        }
        if keepingDimensions { return reduced }
        return reduced.reshaped(shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element))
    }

    /// Means along `axes`.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let normalized = Set(axes.map { normalizeAxis($0, op: "mean(alongAxes:)") })
        let n = normalized.reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) * (1 / Float(Swift.max(n, 1)))
    }

    func normalizeAxis(_ axis: Int, op: String) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        invariant(normalized >= 0 && normalized < rank, "\(op): axis \(axis) out of range for shape \(shape)")
        return normalized
    }
}
