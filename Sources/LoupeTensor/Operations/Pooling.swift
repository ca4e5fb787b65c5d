import Foundation

extension Tensor {
    /// Average pooling over k×k windows; zero padding counts in the divisor (PyTorch's
    /// default `count_include_pad=True`).
    public func avgPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        traced(.averagePool(kernel: kernelSize, stride: stride ?? kernelSize, padding: padding), [self]) {
            let g = poolingGeometry(kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding, op: "avgPool2d")
            let planes = shape[0] * shape[1]
            let area = Float(kernelSize * kernelSize)
            // Average pooling is a depthwise convolution with a constant filter: reuse the column
            // arithmetic one plane at a time.
            let planeGeometry = ConvolutionGeometry(channels: 1, height: g.height, width: g.width,
                                                    kernelHeight: kernelSize, kernelWidth: kernelSize, stride: g.stride,
                                                    padding: Padding2D(padding), dilation: 1, op: "avgPool2d")
            let result = Tensor.build(shape: [shape[0], shape[1], g.outputHeight, g.outputWidth]) { out in
                withUnsafePointer { x in
                    withScratch(count: planeGeometry.columnRows * g.outputArea) { columns in
                    for p in 0..<planes {
                        planeGeometry.imageToColumns(x + p * g.imageArea, columns)
                        let target = out + p * g.outputArea
                        for o in 0..<g.outputArea { target[o] = 0 }
                        for r in 0..<planeGeometry.columnRows {
                            let row = columns + r * g.outputArea
                            for o in 0..<g.outputArea { target[o] += row[o] }
                        }
                        for o in 0..<g.outputArea { target[o] /= area }
                    }
                    }
                }
            }
            let inputShape = shape
            return result.recorded(from: [self]) { gradient in
                [Tensor.build(shape: inputShape) { out in
                    withScratch(count: planeGeometry.columnRows * g.outputArea) { columns in
                    gradient.withUnsafePointer { gp in
                        for p in 0..<planes {
                            for r in 0..<planeGeometry.columnRows {
                                for o in 0..<g.outputArea { columns[r * g.outputArea + o] = gp[p * g.outputArea + o] / area }
                            }
                            planeGeometry.columnsToImage(columns, out + p * g.imageArea, replacing: true)
                        }
                    }
                    }
                }]
            }
        }
    }

    /// The mean of each channel over all spatial positions: N×C×H×W → N×C×1×1.
    public func globalAveragePool() -> Tensor {
        traced(.globalAveragePool, [self]) {
            invariant(rank == 4, "globalAveragePool: needs N×C×H×W, got \(shape)")
            return mean(alongAxes: [2, 3], keepingDimensions: true)
        }
    }

    /// PyTorch's `adaptive_avg_pool2d`: N×C×H×W to N×C×bins×columns, bin i of n covering
    /// rows ⌊i·H/n⌋ ..< ⌈(i+1)·H/n⌉ (likewise columns; bins overlap where n does not divide H).
    /// One pass per plane, where slicing each bin out made (and, backward, zero-filled) a
    /// tensor per slice.
    public func adaptiveAveragePool2d(height bins: Int, width columns: Int) -> Tensor {
        traced(.adaptiveAveragePool(height: bins, width: columns), [self]) {
            invariant(rank == 4, "adaptiveAveragePool2d: needs N×C×H×W, got \(shape)")
            let (height, width) = (shape[2], shape[3])
            invariant(bins > 0 && columns > 0 && bins <= height && columns <= width,
                      "adaptiveAveragePool2d: \(bins)×\(columns) bins do not fit \(shape)")
            let rowBins = AdaptiveBins(count: bins, length: height), columnBins = AdaptiveBins(count: columns, length: width)
            let planes = shape[0] * shape[1], area = height * width, cells = bins * columns
            let grain = Swift.max(1, 16_384 / Swift.max(area, 1))
            let result = Tensor.build(shape: [shape[0], shape[1], bins, columns]) { out in
                let output = UncheckedSendable(out)
                withUnsafePointer { x in
                    let input = UncheckedSendable(x)
                    Parallel.forChunks(of: planes, grain: grain) { range in
                        for p in range {
                            let plane = input.value + p * area, target = output.value + p * cells
                            for i in 0..<bins {
                                for j in 0..<columns {
                                    var total: Float = 0
                                    for y in rowBins[i] {
                                        let row = plane + y * width
                                        for x in columnBins[j] { total += row[x] }
                                    }
                                    target[i * columns + j] = total / Float(rowBins[i].count * columnBins[j].count)
                                }
                            }
                        }
                    }
                }
            }
            let inputShape = shape
            return result.recorded(from: [self]) { g in
                [Tensor.build(shape: inputShape) { out in
                    let output = UncheckedSendable(out)
                    g.withUnsafePointer { gp in
                        let gradient = UncheckedSendable(gp)
                        Parallel.forChunks(of: planes, grain: grain) { range in
                            for p in range {
                                let plane = output.value + p * area, source = gradient.value + p * cells
                                plane.update(repeating: 0, count: area)
                                for i in 0..<bins {
                                    for j in 0..<columns {
                                        let share = source[i * columns + j] / Float(rowBins[i].count * columnBins[j].count)
                                        for y in rowBins[i] {
                                            let row = plane + y * width
                                            for x in columnBins[j] { row[x] += share }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }]
            }
        }
    }

    func poolingGeometry(kernelSize: Int, stride: Int, padding: Int, op: String) -> ConvolutionGeometry {
        invariant(rank == 4, "\(op): needs N×C×H×W, got \(shape)")
        invariant(padding * 2 <= kernelSize, "\(op): padding \(padding) must be at most half of kernel \(kernelSize)")
        return ConvolutionGeometry(channels: shape[1], height: shape[2], width: shape[3],
                                   kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride,
                                   padding: Padding2D(padding), dilation: 1, op: op)
    }
}

/// The bins of adaptive pooling along one axis: bin i of `count` over `length` positions is
/// ⌊i·length/count⌋ ..< ⌈(i+1)·length/count⌉, as PyTorch's.
struct AdaptiveBins {
    let count: Int, length: Int

    subscript(index: Int) -> Range<Int> {
        (index * length / count)..<(((index + 1) * length + count - 1) / count)
    }
}
