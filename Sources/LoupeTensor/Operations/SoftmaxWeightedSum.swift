extension Tensor {
    /// Σₖ softmaxₖ(v) · vₖ over same-shaped branches, element by element: each value weighted
    /// by its share of the branches' softmax at that position (PCAR's selection across its
    /// dilated convolutions). One pass over the branches, where stacking them, a softmax, a
    /// product and a sum made five tensors K times the output's size and read them again
    /// for the backward.
    ///
    /// Gradient: ∂out/∂vⱼ = pⱼ · (1 + vⱼ − out), with pⱼ the softmax share.
    public static func softmaxWeightedSum(_ branches: [Tensor]) -> Tensor {
        traced(.softmaxWeightedSum, branches) {
            invariant(!branches.isEmpty, "softmaxWeightedSum: needs at least one branch")
            let shape = branches[0].shape
            invariant(branches.allSatisfy { $0.shape == shape },
                      "softmaxWeightedSum: branches must share one shape, got \(branches.map(\.shape))")
            let inputs = branches.map(\.detached), count = shape.reduce(1, *)
            let y = Tensor.build(shape: shape) { out in
                SoftmaxWeightedSumKernel(count: count).forward(inputs, out)
            }
            return y.recorded(from: branches) { g in
                SoftmaxWeightedSumKernel(count: count).backward(inputs, output: y, gradient: g, needs: branches.map(\.requiresGradient))
            }
        }
    }
}

/// The loops of `softmaxWeightedSum`, in runs of `block` positions so each pass over a
/// branch reads contiguous memory and vectorises.
private struct SoftmaxWeightedSumKernel {
    let count: Int
    static let block = 256

    /// Calls `body(start, length)` for each block of positions, across the cores.
    private func forEachBlock(_ body: (Int, Int) -> Void) {
        let blocks = (count + Self.block - 1) / Self.block
        Parallel.forChunks(of: blocks, grain: 64) { range in
            for index in range {
                let start = index * Self.block
                body(start, Swift.min(Self.block, count - start))
            }
        }
    }

    func forward(_ branches: [Tensor], _ out: UnsafeMutablePointer<Float>) {
        let output = UncheckedSendable(out)
        withPointers(branches) { sources in
            forEachBlock { start, length in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * Self.block) { scratch in
                    let largest = scratch.baseAddress.unsafelyUnwrapped, total = largest + Self.block
                    let out = output.value + start
                    for i in 0..<length { out[i] = 0 }
                    Self.shares(sources, start: start, length: length, largest: largest, total: total) { _, v, e in
                        for i in 0..<length { out[i] += e[i] * v[i] }
                    }
                    for i in 0..<length { out[i] /= total[i] }
                }
            }
        }
    }

    func backward(_ branches: [Tensor], output: Tensor, gradient: Tensor, needs: [Bool]) -> [Tensor?] {
        let storages = needs.map { $0 ? TensorStorage(uninitializedCount: count) : nil }
        let targets = UncheckedSendable(storages.map { $0?.pointer })
        withPointers(branches) { sources in
            output.withUnsafePointer { yp in
                gradient.withUnsafePointer { gp in
                    let (ys, gs) = (UncheckedSendable(yp), UncheckedSendable(gp))
                    forEachBlock { start, length in
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * Self.block) { scratch in
                            let largest = scratch.baseAddress.unsafelyUnwrapped, total = largest + Self.block
                            let (y, g) = (ys.value + start, gs.value + start)
                            // The exponentials first (their sum is needed before any share).
                            Self.shares(sources, start: start, length: length, largest: largest, total: total) { k, _, e in
                                guard let target = targets.value[k] else { return }
                                for i in 0..<length { target[start + i] = e[i] }
                            }
                            for i in 0..<length { total[i] = g[i] / total[i] }
                            for (k, source) in sources.value.enumerated() {
                                guard let target = targets.value[k] else { continue }
                                let (v, d) = (source + start, target + start)
                                for i in 0..<length { d[i] = d[i] * total[i] * (1 + v[i] - y[i]) }
                            }
                        }
                    }
                }
            }
        }
        return zip(storages, branches).map { storage, branch in storage.map { Tensor(shape: branch.shape, storage: $0) } }
    }

    /// For one block: the branches' maxima into `largest`, then for each branch k its
    /// exponentials e = exp(v − max) passed to `body(k, v, e)` and summed into `total`.
    private static func shares(_ sources: UncheckedSendable<[UnsafePointer<Float>]>, start: Int, length: Int,
                               largest: UnsafeMutablePointer<Float>, total: UnsafeMutablePointer<Float>,
                               _ body: (Int, UnsafePointer<Float>, UnsafePointer<Float>) -> Void) {
        let first = sources.value[0] + start
        for i in 0..<length { largest[i] = first[i] }
        for source in sources.value.dropFirst() {
            let v = source + start
            for i in 0..<length { largest[i] = Swift.max(largest[i], v[i]) }
        }
        for i in 0..<length { total[i] = 0 }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.block) { buffer in
            let e = buffer.baseAddress.unsafelyUnwrapped
            for (k, source) in sources.value.enumerated() {
                let v = source + start
                for i in 0..<length { e[i] = ElementFunctions.softmaxTerm(v[i] - largest[i]) }
                for i in 0..<length { total[i] += e[i] }
                body(k, v, e)
            }
        }
    }
}

/// Runs `body` with every tensor's values pointer (the tensors are kept alive meanwhile).
private func withPointers<R>(_ tensors: [Tensor], _ body: (UncheckedSendable<[UnsafePointer<Float>]>) -> R) -> R {
    func nest(_ index: Int, _ collected: [UnsafePointer<Float>]) -> R {
        guard index < tensors.count else { return body(UncheckedSendable(collected)) }
        return tensors[index].withUnsafePointer { nest(index + 1, collected + [$0]) }
    }
    return nest(0, [])
}
