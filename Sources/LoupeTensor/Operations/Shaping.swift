import Foundation

// Movement operations: reshape, permute, concatenate, slice, pad.

extension Tensor {
    /// The same elements viewed with another shape; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        traced(.reshape(newShape), [self]) {
            var target = newShape
            if let inferred = newShape.firstIndex(of: -1) {
                let known = newShape.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
                invariant(known > 0 && count % known == 0, "reshaped: cannot infer -1 in \(newShape) for shape \(shape)")
                target[inferred] = count / known
            }
            invariant(target.reduce(1, *) == count, "reshaped: shape \(shape) (\(count) elements) cannot become \(newShape)")
            let inputShape = shape
            return Tensor(shape: target, storage: storage).recorded(from: [self]) { g in
                [Tensor(shape: inputShape, storage: g.storage)]
            }
        }
    }

    /// Dimensions reordered: result dimension i is input dimension `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        traced(.permute(order), [self]) {
            invariant(order.sorted() == Array(0..<rank), "permuted: \(order) is not a permutation of the \(rank) axes of \(shape)")
            let outShape = order.map { shape[$0] }
            var inStrides = Array(repeating: 1, count: rank)
            for axis in stride(from: rank - 2, through: 0, by: -1) { inStrides[axis] = inStrides[axis + 1] * shape[axis + 1] }
            let strides = order.map { inStrides[$0] }
            let result = Tensor.build(shape: outShape) { out in
                withUnsafePointer { x in
                    var index = Array(repeating: 0, count: rank)
                    var offset = 0
                    let inner = rank - 1
                    let n = outShape[inner], s = strides[inner]
                    let outer = count / Swift.max(n, 1)
                    for run in 0..<outer {
                        let base = run * n
                        for i in 0..<n { out[base + i] = x[offset + i * s] }
                        var axis = inner - 1
                        while axis >= 0 {
                            index[axis] += 1
                            offset += strides[axis]
                            if index[axis] < outShape[axis] { break }
                            offset -= strides[axis] * outShape[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                }
            }
            var inverse = Array(repeating: 0, count: rank)
            for (i, axis) in order.enumerated() { inverse[axis] = i }
            return result.recorded(from: [self]) { g in [g.permuted(inverse)] }
        }
    }

    /// Rows of a matrix become columns.
    public func transposed() -> Tensor {
        invariant(rank == 2, "transposed: needs a matrix, got shape \(shape)")
        return permuted([1, 0])
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concatenate(_ tensors: [Tensor], alongAxis axis: Int) -> Tensor {
        Tensor.traced(.concatenate(axis: axis), tensors) {
            invariant(!tensors.isEmpty, "concatenate: no tensors")
            let first = tensors[0]
            let axis = first.normalizeAxis(axis, op: "concatenate")
            for t in tensors {
                invariant(t.rank == first.rank && (0..<first.rank).allSatisfy { $0 == axis || t.shape[$0] == first.shape[$0] },
                             "concatenate: shapes \(first.shape) and \(t.shape) differ outside axis \(axis)")
            }
            var outShape = first.shape
            outShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
            let outer = first.shape[..<axis].reduce(1, *)
            let inner = first.shape[(axis + 1)...].reduce(1, *)
            let outRow = outShape[axis] * inner
            let result = Tensor.build(shape: outShape) { out in
                var start = 0
                for t in tensors {
                    let row = t.shape[axis] * inner
                    t.withUnsafePointer { x in
                        for o in 0..<outer { (out + o * outRow + start).update(from: x + o * row, count: row) }
                    }
                    start += row
                }
            }
            let sizes = tensors.map { $0.shape[axis] }
            return result.recorded(from: tensors) { g in
                var begin = 0
                return zip(tensors, sizes).map { t, size in
                    defer { begin += size }
                    return t.requiresGradient ? g.sliced(alongAxis: axis, begin..<(begin + size)) : nil
                }
            }
        }
    }

    /// The elements whose index along `axis` lies in `range`.
    public func sliced(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        traced(.slice(axis: axis, start: range.lowerBound, end: range.upperBound), [self]) {
            let axis = normalizeAxis(axis, op: "sliced")
            invariant(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                         "sliced: range \(range) outside 0..<\(shape[axis]) on axis \(axis) of shape \(shape)")
            var outShape = shape
            outShape[axis] = range.count
            let outer = shape[..<axis].reduce(1, *)
            let inner = shape[(axis + 1)...].reduce(1, *)
            let inRow = shape[axis] * inner, outRow = range.count * inner
            let result = Tensor.build(shape: outShape) { out in
                withUnsafePointer { x in
                    for o in 0..<outer { (out + o * outRow).update(from: x + o * inRow + range.lowerBound * inner, count: outRow) }
                }
            }
            let inputShape = shape
            return result.recorded(from: [self]) { g in
                [Tensor.build(shape: inputShape) { out in
                    memset(out, 0, inputShape.reduce(1, *) * MemoryLayout<Float>.stride)
                    g.withUnsafePointer { gp in
                        for o in 0..<outer { (out + o * inRow + range.lowerBound * inner).update(from: gp + o * outRow, count: outRow) }
                    }
                }]
            }
        }
    }

    /// Zero padding of the last two (spatial) dimensions.
    public func padded(top: Int, bottom: Int, left: Int, right: Int) -> Tensor {
        traced(.pad(top: top, bottom: bottom, left: left, right: right), [self]) {
            invariant(rank >= 2, "padded: needs at least 2 dimensions, got shape \(shape)")
            let h = shape[rank - 2], w = shape[rank - 1]
            let oh = h + top + bottom, ow = w + left + right
            invariant(oh > 0 && ow > 0, "padded: negative output size for shape \(shape)")
            let planes = count / Swift.max(h * w, 1)
            var outShape = shape
            outShape[rank - 2] = oh
            outShape[rank - 1] = ow
            let result = Tensor.build(shape: outShape) { out in
                memset(out, 0, planes * oh * ow * MemoryLayout<Float>.stride)
                withUnsafePointer { x in
                    for p in 0..<planes {
                        for y in Swift.max(0, -top)..<Swift.min(h, oh - top) {
                            for xx in Swift.max(0, -left)..<Swift.min(w, ow - left) {
                                out[p * oh * ow + (y + top) * ow + xx + left] = x[p * h * w + y * w + xx]
                            }
                        }
                    }
                }
            }
            return result.recorded(from: [self]) { g in [g.padded(top: -top, bottom: -bottom, left: -left, right: -right)] }
        }
    }
}
