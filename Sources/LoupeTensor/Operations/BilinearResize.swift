import Foundation

/// For one axis of a bilinear resize: each output index's two source indices and the
/// weight of the second, with PyTorch's `align_corners=False` half-pixel mapping.
struct BilinearAxis {
    let lower: [Int], upper: [Int], upperWeight: [Float]

    init(input: Int, output: Int) {
        let scale = Float(input) / Float(output)
        var lower = [Int](), upper = [Int](), weights = [Float]()
        for o in 0..<output {
            let source = max(scale * (Float(o) + 0.5) - 0.5, 0)
            let l = min(Int(source), input - 1)
            lower.append(l)
            upper.append(l < input - 1 ? l + 1 : l)
            weights.append(source - Float(l))
        }
        self.lower = lower; self.upper = upper; upperWeight = weights
    }
}

extension Tensor {
    /// Bilinear resize of the last two dimensions to `height`×`width`, as PyTorch's
    /// `interpolate(mode="bilinear", align_corners=False)` (no antialiasing).
    public func resizedBilinear(height: Int, width: Int) -> Tensor {
        traced(.resizeBilinear(height: height, width: width), [self]) {
            invariant(rank >= 2 && height > 0 && width > 0, "resizedBilinear: cannot resize shape \(shape) to \(height)x\(width)")
            let (inH, inW) = (shape[rank - 2], shape[rank - 1])
            let planes = count / max(inH * inW, 1)
            let ys = BilinearAxis(input: inH, output: height), xs = BilinearAxis(input: inW, output: width)
            var outShape = shape
            outShape[rank - 2] = height
            outShape[rank - 1] = width
            let result = Tensor.build(shape: outShape) { out in
                withUnsafePointer { x in
                    Parallel.forChunks(of: planes, grain: max(1, 16_384 / max(height * width, 1))) { range in
                        for p in range {
                            let plane = x + p * inH * inW, target = out + p * height * width
                            for oy in 0..<height {
                                let wy = ys.upperWeight[oy]
                                let top = plane + ys.lower[oy] * inW, bottom = plane + ys.upper[oy] * inW
                                for ox in 0..<width {
                                    let wx = xs.upperWeight[ox], l = xs.lower[ox], u = xs.upper[ox]
                                    let upperRow = (1 - wx) * top[l] + wx * top[u]
                                    let lowerRow = (1 - wx) * bottom[l] + wx * bottom[u]
                                    target[oy * width + ox] = (1 - wy) * upperRow + wy * lowerRow
                                }
                            }
                        }
                    }
                }
            }
            let inputShape = shape
            return result.recorded(from: [self]) { g in
                [Tensor.build(shape: inputShape) { out in
                    memset(out, 0, planes * inH * inW * MemoryLayout<Float>.stride)
                    g.withUnsafePointer { gp in
                        Parallel.forChunks(of: planes, grain: max(1, 16_384 / max(height * width, 1))) { range in
                            for p in range {
                                let source = gp + p * height * width, plane = out + p * inH * inW
                                for oy in 0..<height {
                                    let wy = ys.upperWeight[oy]
                                    let top = plane + ys.lower[oy] * inW, bottom = plane + ys.upper[oy] * inW
                                    for ox in 0..<width {
                                        let v = source[oy * width + ox]
                                        let wx = xs.upperWeight[ox], l = xs.lower[ox], u = xs.upper[ox]
                                        top[l] += (1 - wy) * (1 - wx) * v
                                        top[u] += (1 - wy) * wx * v
                                        bottom[l] += wy * (1 - wx) * v
                                        bottom[u] += wy * wx * v
                                    }
                                }
                            }
                        }
                    }
                }]
            }
        }
    }
}
