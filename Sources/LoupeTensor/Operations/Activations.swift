import Foundation

// Point-wise non-linearities and softmax; each gradient beside its forward.

extension Tensor {
    public func relu() -> Tensor {
        traced(.relu, [self]) {
            let x = detached
            return map(ElementFunctions.ReLU()).recorded(from: [self]) { g in
                [Tensor.combine(g, x, op: "relu", ElementFunctions.ReLUGradient())]
            }
        }
    }

    /// min(max(x, 0), 6): EfficientNet-Lite's activation.
    public func relu6() -> Tensor {
        traced(.relu6, [self]) {
            let x = detached
            return map(ElementFunctions.Clamp(lower: 0, upper: 6)).recorded(from: [self]) { g in
                [Tensor.combine(g, x, op: "relu6", ElementFunctions.PassInside(lower: 0, upper: 6))]
            }
        }
    }

    public func leakyRelu(negativeSlope: Float = 0.01) -> Tensor {
        traced(.leakyRelu(slope: negativeSlope), [self]) {
            let x = detached
            return map(ElementFunctions.LeakyReLU(slope: negativeSlope)).recorded(from: [self]) { g in
                [Tensor.combine(g, x, op: "leakyRelu", ElementFunctions.LeakyReLUGradient(slope: negativeSlope))]
            }
        }
    }

    public func sigmoid() -> Tensor {
        traced(.sigmoid, [self]) {
            let y = map(ElementFunctions.Sigmoid())
            let saved = y
            return y.recorded(from: [self]) { g in
                [Tensor.combine(g, saved, op: "sigmoid", ElementFunctions.SigmoidGradient())]
            }
        }
    }

    public func tanh() -> Tensor {
        traced(.tanh, [self]) {
            let y = map { Foundation.tanh($0) }
            let saved = y
            return y.recorded(from: [self]) { g in
                [Tensor.combine(g, saved, op: "tanh") { gv, t in gv * (1 - t * t) }]
            }
        }
    }

    /// The exact (erf) GELU, PyTorch's default.
    public func gelu() -> Tensor {
        traced(.gelu, [self]) {
            let x = detached
            return map(ElementFunctions.GELU()).recorded(from: [self]) { g in
                [Tensor.combine(g, x, op: "gelu", ElementFunctions.GELUGradient())]
            }
        }
    }

    /// exp(x) / Σ exp(x) along `axis`, computed stably.
    public func softmax(alongAxis axis: Int) -> Tensor {
        traced(.softmax(axis: axis), [self]) {
            let axis = normalizeAxis(axis, op: "softmax")
            let slices = SoftmaxSlices(outer: shape[..<axis].reduce(1, *), length: shape[axis], inner: shape[(axis + 1)...].reduce(1, *))
            let y = Tensor.build(shape: shape) { out in
                let output = UncheckedSendable(out)
                withUnsafePointer { x in
                    let input = UncheckedSendable(x)
                    slices.forEachBlock { base, count, largest, total in
                        let (x, out) = (input.value + base, output.value + base)
                        let (length, stride) = (slices.length, slices.inner)
                        if stride == 1 {
                            // Along the last axis (attention rows) the slice is contiguous:
                            // loops over it vectorise, where the strided form below would not.
                            var most = x[0]
                            for k in 1..<length { most = Swift.max(most, x[k]) }
                            for k in 0..<length { out[k] = ElementFunctions.softmaxTerm(x[k] - most) }
                            let scale = 1 / LaneSums.sum(out, count: length)
                            for k in 0..<length { out[k] *= scale }
                            return
                        }
                        for i in 0..<count { largest[i] = x[i] }
                        for k in 1..<length { for i in 0..<count { largest[i] = Swift.max(largest[i], x[k * stride + i]) } }
                        for i in 0..<count { total[i] = 0 }
                        for k in 0..<length {
                            for i in 0..<count {
                                let e = ElementFunctions.softmaxTerm(x[k * stride + i] - largest[i])
                                out[k * stride + i] = e
                                total[i] += e
                            }
                        }
                        for i in 0..<count { total[i] = 1 / total[i] }
                        for k in 0..<length { for i in 0..<count { out[k * stride + i] *= total[i] } }
                    }
                }
            }
            let saved = y
            return y.recorded(from: [self]) { g in
                // dx = y ⊙ (g − Σ_k g_k y_k), per slice.
                [Tensor.build(shape: saved.shape) { out in
                    let output = UncheckedSendable(out)
                    saved.withUnsafePointer { yp in
                        g.withUnsafePointer { gp in
                            let (ys, gs) = (UncheckedSendable(yp), UncheckedSendable(gp))
                            slices.forEachBlock { base, count, dot, _ in
                                let (y, g, out) = (ys.value + base, gs.value + base, output.value + base)
                                let (length, stride) = (slices.length, slices.inner)
                                for i in 0..<count { dot[i] = 0 }
                                for k in 0..<length { for i in 0..<count { dot[i] += g[k * stride + i] * y[k * stride + i] } }
                                for k in 0..<length { for i in 0..<count { out[k * stride + i] = y[k * stride + i] * (g[k * stride + i] - dot[i]) } }
                            }
                        }
                    }
                }]
            }
        }
    }
}

/// The independent slices of a softmax (`length` values `inner` apart, `outer` × `inner` of
/// them), walked in blocks of up to 64 neighbouring slices so each pass over the axis reads
/// contiguous memory and vectorises (PCAR's softmax over 3 branches of C×H×W values had
/// run one strided slice at a time).
struct SoftmaxSlices {
    let outer: Int, length: Int, inner: Int
    static let block = 64

    /// Calls `body(base, count, scratch, scratch)` for each block across the cores: the
    /// block's first value, its slice count, and two scratch rows of `count` values.
    func forEachBlock(_ body: (Int, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        let blocksPerRow = (inner + Self.block - 1) / Self.block
        let grain = Swift.max(1, 16_384 / Swift.max(length * Swift.min(inner, Self.block), 1))
        Parallel.forChunks(of: outer * blocksPerRow, grain: grain) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * Self.block) { scratch in
                let scratch = scratch.baseAddress.unsafelyUnwrapped
                for index in range {
                    let (row, block) = index.quotientAndRemainder(dividingBy: blocksPerRow)
                    let start = block * Self.block
                    body(row * length * inner + start, Swift.min(Self.block, inner - start), scratch, scratch + Self.block)
                }
            }
        }
    }
}
