import Foundation

/// Per-channel statistics tracked across training batches for use at inference.
public struct RunningStatistics {
    public var mean: Tensor
    public var variance: Tensor
    /// Weight of the newest batch in the running average (PyTorch's `momentum`).
    public var momentum: Float

    public init(mean: Tensor, variance: Tensor, momentum: Float) {
        self.mean = mean
        self.variance = variance
        self.momentum = momentum
    }
}

extension Tensor {
    /// Batch normalisation of an N×C×H×W tensor, as PyTorch's `batch_norm`.
    ///
    /// Training normalises with the batch's own statistics (biased variance) and updates
    /// `running` in place with the unbiased variance; evaluation uses `running`.
    ///
    /// `activation`, when given, follows the normalisation. While training with a tape it
    /// is applied as each plane is written, and the backward gates the output gradient by
    /// the recomputed pre-activation (the pass the activation's own backward would make):
    /// no forward pass, and no tensor kept, for the activation.
    public func batchNormalized(weight: Tensor, bias: Tensor, running: RunningStatistics,
                                isTraining: Bool, epsilon: Float = 1e-5, activation: ConvolutionActivation? = nil) -> Tensor {
        if let activation, !(isTraining && GradientMode.isEnabled) {
            return activation(batchNormalized(weight: weight, bias: bias, running: running, isTraining: isTraining, epsilon: epsilon))
        }
        return traced(isTraining ? .unsupported("batchNormalized in training mode") : .batchNormalization(epsilon: epsilon), [self, weight, bias, running.mean, running.variance]) {
            invariant(rank >= 2, "batchNormalized: needs N×C×…, got shape \(shape)")
            let (batch, channels) = (shape[0], shape[1])
            let plane = count / max(batch * channels, 1)
            for (name, t) in [("weight", weight), ("bias", bias), ("running mean", running.mean), ("running variance", running.variance)] {
                invariant(t.shape == [channels], "batchNormalized: \(name) shape \(t.shape) must be [\(channels)] for input \(shape)")
            }
            let elements = batch * plane
            invariant(!isTraining || elements > 1, "batchNormalized: training needs more than one value per channel, got input \(shape)")
            var means = [Float](repeating: 0, count: channels)
            var inverseStds = [Float](repeating: 0, count: channels)
            var variances = [Float](repeating: 0, count: channels)
            let x = detached
            if isTraining {
                x.withUnsafePointer { xp in
                    means.withUnsafeMutableBufferPointer { meanOut in
                        variances.withUnsafeMutableBufferPointer { varianceOut in
                        inverseStds.withUnsafeMutableBufferPointer { invOut in
                            Parallel.forChunks(of: channels, grain: max(1, 65_536 / max(elements, 1))) { range in
                                // Two passes, as PyTorch: the mean, then squares about it. One pass
                                // (E[x²] − E[x]²) cancels away the variance of a channel whose mean
                                // is large beside its spread, as over the flat parts of a PCB scan.
                                for c in range {
                                    var sum: Double = 0
                                    for n in 0..<batch { sum += Double(LaneSums.sum(xp + (n * channels + c) * plane, count: plane)) }
                                    let mean = Float(sum / Double(elements))
                                    var squares: Double = 0
                                    for n in 0..<batch {
                                        squares += Double(LaneSums.squaredDeviations(xp + (n * channels + c) * plane, count: plane, mean: mean))
                                    }
                                    let variance = squares / Double(elements)
                                    meanOut[c] = mean
                                    varianceOut[c] = Float(variance)
                                    invOut[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
                                }
                            }
                        }
                        }
                    }
                }
                let unbias = Float(elements) / Float(elements - 1)
                let m = running.momentum
                running.mean.updateInPlace { rm in
                    for c in 0..<channels { rm[c] = (1 - m) * rm[c] + m * means[c] }
                }
                running.variance.updateInPlace { rv in
                    for c in 0..<channels {
                        rv[c] = (1 - m) * rv[c] + m * variances[c] * unbias
                    }
                }
            } else {
                running.mean.withUnsafePointer { rm in
                    running.variance.withUnsafePointer { rv in
                        for c in 0..<channels {
                            means[c] = rm[c]
                            inverseStds[c] = 1 / (rv[c] + epsilon).squareRoot()
                        }
                    }
                }
            }
            // y = x · scale + shift per channel: the forward's, and in the backward the
            // activation's input again.
            let (scales, shifts) = weight.detached.withUnsafePointer { gp in
                bias.detached.withUnsafePointer { bp in
                    let scales = (0..<channels).map { gp[$0] * inverseStds[$0] }
                    return (scales, (0..<channels).map { bp[$0] - means[$0] * scales[$0] })
                }
            }
            let grain = max(1, 16_384 / max(plane, 1))
            // The activation clamps as a fused convolution's does, each plane while it is in cache.
            let clamp = activation.map { ConvolutionEpilogue(bias: nil, activation: $0) }
            let result = Tensor.build(shape: shape) { out in
                x.withUnsafePointer { xp in
                    Parallel.forChunks(of: batch * channels, grain: grain) { range in
                        for p in range {
                            let scale = scales[p % channels], shift = shifts[p % channels]
                            let source = xp + p * plane, target = out + p * plane
                            for i in 0..<plane { target[i] = source[i] * scale + shift }
                            clamp?.apply(to: target, count: plane, channel: p % channels)
                        }
                    }
                }
            }
            let needs = (requiresGradient, weight.requiresGradient, bias.requiresGradient)
            return result.recorded(from: [self, weight, bias]) { g in
                // Behind an activation, the output's gradient counts where the activation
                // passes it (its input recomputed from x as the forward computed it), else 0.
                // Gated a plane at a time into scratch, in both passes below, where a gated
                // copy of the whole gradient was written and read twice (stu-seg's BN
                // backward at 8×32×128²: a third of its memory traffic).
                @inline(__always) func gated(_ gp: UnsafePointer<Float>, _ xp: UnsafePointer<Float>, plane p: Int,
                                             scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
                    guard let activation else { return gp + p * plane }
                    activation.gateGradient(gp + p * plane, at: xp + p * plane, scale: scales[p % channels], shift: shifts[p % channels],
                                            into: scratch, count: plane)
                    return UnsafePointer(scratch)
                }
                let scratchCount = activation == nil ? 0 : plane
                // Per channel: Σg and Σg·x̂, then dx from the batch-statistics formula.
                var sumG = [Float](repeating: 0, count: channels)
                var sumGX = [Float](repeating: 0, count: channels)
                g.withUnsafePointer { gp in
                    x.withUnsafePointer { xp in
                        sumG.withUnsafeMutableBufferPointer { sg in
                            sumGX.withUnsafeMutableBufferPointer { sgx in
                                Parallel.forChunks(of: channels, grain: max(1, 65_536 / max(elements, 1))) { range in
                                    withScratch(count: scratchCount) { scratch in
                                        for c in range {
                                            // Σg·(x − mean) directly: Σg·x − mean·Σg cancels the same way.
                                            var s: Float = 0, sx: Float = 0
                                            let mean = means[c]
                                            for n in 0..<batch {
                                                let p = n * channels + c
                                                let sums = LaneSums.weightedDeviations(gated(gp, xp, plane: p, scratch: scratch), xp + p * plane,
                                                                                       count: plane, mean: mean)
                                                s += sums.weights
                                                sx += sums.products
                                            }
                                            sg[c] = s
                                            sgx[c] = sx * inverseStds[c]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                let gradInput: Tensor? = needs.0 ? Tensor.build(shape: x.shape) { out in
                    g.withUnsafePointer { gp in
                        x.withUnsafePointer { xp in
                            Parallel.forChunks(of: batch * channels, grain: grain) { range in
                                withScratch(count: scratchCount) { scratch in
                                    for p in range {
                                        let c = p % channels
                                        let source = xp + p * plane, gradient = gated(gp, xp, plane: p, scratch: scratch), target = out + p * plane
                                        let scale = scales[c]
                                        if isTraining {
                                            let meanG = sumG[c] / Float(elements), meanGX = sumGX[c] / Float(elements)
                                            let mean = means[c], inv = inverseStds[c]
                                            for i in 0..<plane {
                                                let xhat = (source[i] - mean) * inv
                                                target[i] = scale * (gradient[i] - meanG - xhat * meanGX)
                                            }
                                        } else {
                                            for i in 0..<plane { target[i] = scale * gradient[i] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } : nil
                return [gradInput,
                        needs.1 ? Tensor(shape: [channels], scalars: sumGX) : nil,
                        needs.2 ? Tensor(shape: [channels], scalars: sumG) : nil]
            }
        }
    }
}
