import Foundation

// Point-wise non-linearities and softmax; each gradient beside its forward.

extension Tensor {
    public func relu() -> Tensor {
        let x = detached
        return map(ElementFunctions.ReLU()).recorded(from: [self]) { g in
            [Tensor.combine(g, x, op: "relu", ElementFunctions.ReLUGradient())]
        }
    }

    /// min(max(x, 0), 6): EfficientNet-Lite's activation.
    public func relu6() -> Tensor {
        let x = detached
        return map(ElementFunctions.Clamp(lower: 0, upper: 6)).recorded(from: [self]) { g in
            [Tensor.combine(g, x, op: "relu6", ElementFunctions.PassInside(lower: 0, upper: 6))]
        }
    }

    public func leakyRelu(negativeSlope: Float = 0.01) -> Tensor {
        let x = detached
        return map(ElementFunctions.LeakyReLU(slope: negativeSlope)).recorded(from: [self]) { g in
            [Tensor.combine(g, x, op: "leakyRelu", ElementFunctions.LeakyReLUGradient(slope: negativeSlope))]
        }
    }

    public func sigmoid() -> Tensor {
        let y = map(ElementFunctions.Sigmoid())
        let saved = y
        return y.recorded(from: [self]) { g in
            [Tensor.combine(g, saved, op: "sigmoid", ElementFunctions.SigmoidGradient())]
        }
    }

    public func tanh() -> Tensor {
        let y = map { Foundation.tanh($0) }
        let saved = y
        return y.recorded(from: [self]) { g in
            [Tensor.combine(g, saved, op: "tanh") { gv, t in gv * (1 - t * t) }]
        }
    }

    /// The exact (erf) GELU, PyTorch's default.
    public func gelu() -> Tensor {
        let x = detached
        let invSqrt2: Float = 0.70710678118654752
        let invSqrt2Pi: Float = 0.39894228040143268
        return map { v in 0.5 * v * (1 + erf(v * invSqrt2)) }.recorded(from: [self]) { g in
            [Tensor.combine(g, x, op: "gelu") { gv, v in
                gv * (0.5 * (1 + erf(v * invSqrt2)) + v * invSqrt2Pi * Foundation.exp(-0.5 * v * v))
            }]
        }
    }

    /// exp(x) / Σ exp(x) along `axis`, computed stably.
    public func softmax(alongAxis axis: Int) -> Tensor {
        let axis = normalizeAxis(axis, op: "softmax")
        let outer = shape[..<axis].reduce(1, *)
        let n = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        // Every slice along `axis` is independent: slices are shared out over the cores
        // (attention's rows: batch × heads × positions of them).
        let slices = outer * inner, grain = Swift.max(1, 16_384 / Swift.max(n, 1))
        let y = Tensor.build(shape: shape) { out in
            let output = UncheckedSendable(out)
            withUnsafePointer { x in
                let input = UncheckedSendable(x)
                Parallel.forChunks(of: slices, grain: grain) { range in
                    let (x, out) = (input.value, output.value)
                    for slice in range {
                        let base = slice / inner * n * inner + slice % inner
                        var largest = -Float.infinity
                        for k in 0..<n { largest = Swift.max(largest, x[base + k * inner]) }
                        var total: Float = 0
                        for k in 0..<n {
                            let e = Foundation.exp(x[base + k * inner] - largest)
                            out[base + k * inner] = e
                            total += e
                        }
                        let scale = 1 / total
                        for k in 0..<n { out[base + k * inner] *= scale }
                    }
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
                        Parallel.forChunks(of: slices, grain: grain) { range in
                            let (y, g, out) = (ys.value, gs.value, output.value)
                            for slice in range {
                                let base = slice / inner * n * inner + slice % inner
                                var dot: Float = 0
                                for k in 0..<n { dot += g[base + k * inner] * y[base + k * inner] }
                                for k in 0..<n { out[base + k * inner] = y[base + k * inner] * (g[base + k * inner] - dot) }
                            }
                        }
                    }
                }
            }]
        }
    }
}
