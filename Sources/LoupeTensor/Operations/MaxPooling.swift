import Foundation

extension Tensor {
    /// Max pooling over k×k windows of an N×C×H×W tensor; padding counts as −∞. While
    /// training, each output's winner (the first maximum in the window's row-major order,
    /// as PyTorch's) is kept and the gradient goes to it alone.
    public func maxPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        traced(.maxPool(kernel: kernelSize, stride: stride ?? kernelSize, padding: padding), [self]) {
            let pool = MaxPoolPlanes(geometry: poolingGeometry(kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding, op: "maxPool2d"))
            let planes = shape[0] * shape[1], g = pool.geometry
            let outShape = [shape[0], shape[1], g.outputHeight, g.outputWidth]
            let grain = max(1, 8192 / max(g.outputArea, 1))
            guard GradientMode.isEnabled && requiresGradient else {
                return Tensor.build(shape: outShape) { out in
                    withUnsafePointer { x in
                        Parallel.forChunks(of: planes, grain: grain) { range in
                            withScratch(count: g.height * g.outputWidth) { rowMaxima in
                                for p in range { pool.maxima(x + p * g.imageArea, out + p * g.outputArea, rowMaxima: rowMaxima) }
                            }
                        }
                    }
                }
            }
            var winners = [Int32](repeating: 0, count: planes * g.outputArea)
            let result = Tensor.build(shape: outShape) { out in
                withUnsafePointer { x in
                    winners.withUnsafeMutableBufferPointer { winner in
                        let argmax = UncheckedSendable(winner.baseAddress!)
                        Parallel.forChunks(of: planes, grain: grain) { range in
                            withScratch(count: pool.phasesCount) { phases in
                                for p in range {
                                    pool.maximaAndWinners(x + p * g.imageArea, out + p * g.outputArea, argmax.value + p * g.outputArea,
                                                          phases: phases)
                                }
                            }
                        }
                    }
                }
            }
            let inputShape = shape
            return result.recorded(from: [self]) { gradient in
                [Tensor.build(shape: inputShape) { out in
                    let target = UncheckedSendable(out)
                    gradient.withUnsafePointer { gp in
                        winners.withUnsafeBufferPointer { winner in
                            // Each plane's winners lie in its own plane: planes are independent.
                            Parallel.forChunks(of: planes, grain: grain) { range in
                                for p in range {
                                    let plane = target.value + p * g.imageArea
                                    plane.update(repeating: 0, count: g.imageArea)
                                    for o in 0..<g.outputArea { plane[Int(winner[p * g.outputArea + o])] += gp[p * g.outputArea + o] }
                                }
                            }
                        }
                    }
                }]
            }
        }
    }
}

/// Max pooling of one plane at a time, for one geometry.
struct MaxPoolPlanes {
    let geometry: ConvolutionGeometry
    /// Per output row (column), the input rows (columns) inside both window and image.
    let rows: [Range<Int>], columns: [Range<Int>]
    /// Output columns whose windows lie inside the image, when the stride is 2: read eight
    /// at a time from the plane split into even and odd columns.
    let inside: Range<Int>

    init(geometry g: ConvolutionGeometry) {
        geometry = g
        let (k, s, pad) = (g.kernelWidth, g.stride, g.padding.left)
        rows = (0..<g.outputHeight).map { oy in max(0, oy * s - pad)..<min(g.height, oy * s - pad + g.kernelHeight) }
        columns = (0..<g.outputWidth).map { ox in max(0, ox * s - pad)..<min(g.width, ox * s - pad + k) }
        let first = (pad + 1) / 2, reach = g.width - k + pad
        let end = reach >= 0 ? min(g.outputWidth, reach / 2 + 1) : 0
        inside = s == 2 && first < end ? first..<end : 0..<0
    }

    /// Scratch `maximaAndWinners` needs: the plane's even and odd columns.
    var phasesCount: Int { inside.isEmpty ? 0 : 2 * geometry.height * halfWidth }
    private var halfWidth: Int { (geometry.width + 1) / 2 }

    /// Separable: the max over each row's window, then over the rows of each window.
    func maxima(_ plane: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, rowMaxima: UnsafeMutablePointer<Float>) {
        let g = geometry
        for iy in 0..<g.height {
            let row = plane + iy * g.width, maxima = rowMaxima + iy * g.outputWidth
            for ox in 0..<g.outputWidth {
                var best = -Float.infinity
                for ix in columns[ox] { best = Swift.max(best, row[ix]) }
                maxima[ox] = best
            }
        }
        for oy in 0..<g.outputHeight {
            let line = target + oy * g.outputWidth
            for ox in 0..<g.outputWidth { line[ox] = -Float.infinity }
            for iy in rows[oy] {
                let maxima = rowMaxima + iy * g.outputWidth
                for ox in 0..<g.outputWidth { line[ox] = Swift.max(line[ox], maxima[ox]) }
            }
        }
    }

    /// Each output's maximum and the plane index of its winner: the window's first element,
    /// replaced by each later one that is greater (so a NaN first stays, as PyTorch's).
    func maximaAndWinners(_ plane: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>,
                          phases: UnsafeMutablePointer<Float>) {
        let g = geometry, half = halfWidth
        if !inside.isEmpty { splitColumns(plane, into: phases) }
        for oy in 0..<g.outputHeight {
            let line = target + oy * g.outputWidth, winners = argmax + oy * g.outputWidth
            var ox = 0
            while ox < g.outputWidth {
                if inside.contains(ox) && ox + 8 <= inside.upperBound {
                    insideWinners(ox, rows[oy], phases, half, line + ox, winners + ox)
                    ox += 8
                    continue
                }
                var bestIndex = rows[oy].lowerBound * g.width + columns[ox].lowerBound
                var best = plane[bestIndex]
                for iy in rows[oy] {
                    for ix in columns[ox] where plane[iy * g.width + ix] > best {
                        best = plane[iy * g.width + ix]
                        bestIndex = iy * g.width + ix
                    }
                }
                line[ox] = best
                winners[ox] = Int32(bestIndex)
                ox += 1
            }
        }
    }

    /// Eight outputs from `ox` of one row, every window inside the image: tap kx of output
    /// ox reads column 2·ox − padding + kx, an even or odd column that is contiguous in ox.
    @inline(__always)
    private func insideWinners(_ ox: Int, _ windowRows: Range<Int>, _ phases: UnsafePointer<Float>, _ half: Int,
                               _ line: UnsafeMutablePointer<Float>, _ winners: UnsafeMutablePointer<Int32>) {
        let g = geometry, pad = g.padding.left
        let even = phases, odd = phases + g.height * half
        let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        let firstColumns = (lanes &+ Int32(ox)) &* 2 &- Int32(pad)
        @inline(__always) func tap(_ iy: Int, _ kx: Int) -> SIMD8<Float> {
            let d = kx - pad, shift = d >= 0 ? d / 2 : (d - 1) / 2
            return SIMD8.load((d & 1 == 0 ? even : odd) + iy * half + ox + shift)
        }
        var best = tap(windowRows.lowerBound, 0)
        var index = firstColumns &+ Int32(windowRows.lowerBound * g.width)
        for iy in windowRows {
            for kx in 0..<g.kernelWidth {
                let value = tap(iy, kx)
                let greater = value .> best
                best.replace(with: value, where: greater)
                index.replace(with: firstColumns &+ Int32(iy * g.width + kx), where: greater)
            }
        }
        best.store(line)
        for lane in 0..<8 { winners[lane] = index[lane] }
    }

    /// The plane's even columns, then its odd ones, each row `halfWidth` long.
    private func splitColumns(_ plane: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>) {
        let g = geometry, half = halfWidth, odd = phases + g.height * half
        for iy in 0..<g.height {
            let row = plane + iy * g.width
            for m in 0..<half { phases[iy * half + m] = row[2 * m] }
            for m in 0..<g.width / 2 { odd[iy * half + m] = row[2 * m + 1] }
        }
    }
}
