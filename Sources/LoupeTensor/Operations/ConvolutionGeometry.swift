/// Zero padding around the two spatial dimensions; may be uneven (TensorFlow "SAME").
public struct Padding2D: Equatable, Sendable {
    public var top: Int, left: Int, bottom: Int, right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top; self.left = left; self.bottom = bottom; self.right = right
    }

    /// The same padding on every side.
    public init(_ all: Int) { self.init(top: all, left: all, bottom: all, right: all) }

    public static let zero = Padding2D(0)
}

/// The index arithmetic shared by convolution, its transpose and their gradients: which
/// image pixel each (channel, kernel offset, output position) reads.
struct ConvolutionGeometry {
    let channels: Int, height: Int, width: Int
    let kernelHeight: Int, kernelWidth: Int
    let stride: Int, padding: Padding2D, dilation: Int
    let outputHeight: Int, outputWidth: Int

    init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
         stride: Int, padding: Padding2D, dilation: Int, op: String) {
        self.channels = channels; self.height = height; self.width = width
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.stride = stride; self.padding = padding; self.dilation = dilation
        invariant(stride > 0 && dilation > 0, "\(op): stride \(stride) and dilation \(dilation) must be positive")
        outputHeight = (height + padding.top + padding.bottom - dilation * (kernelHeight - 1) - 1) / stride + 1
        outputWidth = (width + padding.left + padding.right - dilation * (kernelWidth - 1) - 1) / stride + 1
        invariant(outputHeight > 0 && outputWidth > 0,
                     "\(op): kernel \(kernelHeight)x\(kernelWidth) (dilation \(dilation)) does not fit input \(height)x\(width) with padding \(padding)")
    }

    var kernelArea: Int { kernelHeight * kernelWidth }
    var outputArea: Int { outputHeight * outputWidth }
    var imageArea: Int { height * width }
    /// Rows of the column matrix: one per (channel, kernel offset).
    var columnRows: Int { channels * kernelArea }

    /// Whether the column matrix is the image itself (1×1, stride 1, no padding).
    var isPointwise: Bool {
        kernelArea == 1 && stride == 1 && padding == .zero
    }

    /// Whether 2×2 windows at stride 2 cover every pixel exactly once (no padding, even
    /// sizes; the student's up-sampling convolutions): unfolding is then a pixel unshuffle
    /// that reads each row once, and folding a pixel shuffle that writes each pixel once.
    var tilesInPairs: Bool {
        kernelHeight == 2 && kernelWidth == 2 && stride == 2 && dilation == 1 && padding == .zero
            && height == 2 * outputHeight && width == 2 * outputWidth
    }

    /// For kernel column `kx`: the input x of output column 0 (may be negative), and the
    /// output columns `firstX..<lastX` whose input x lies inside the image.
    func columnsInside(kernelX kx: Int) -> (offsetX: Int, firstX: Int, lastX: Int) {
        inside(tap: kx, padding: padding.left, input: width, output: outputWidth)
    }

    /// For kernel row `ky`: the input y of output row 0 (may be negative), and the output
    /// rows `firstY..<lastY` whose input y lies inside the image.
    func rowsInside(kernelY ky: Int) -> (offsetY: Int, firstY: Int, lastY: Int) {
        inside(tap: ky, padding: padding.top, input: height, output: outputHeight)
    }

    /// Along one axis: where a tap reads for output 0, and the outputs that read inside.
    private func inside(tap: Int, padding: Int, input: Int, output: Int) -> (Int, Int, Int) {
        let offset = tap * dilation - padding
        let first = offset >= 0 ? 0 : min(output, (-offset + stride - 1) / stride)
        let span = input - 1 - offset
        let last = span < 0 ? first : max(first, min(output, span / stride + 1))
        return (offset, first, last)
    }

    /// Unfolds `image` (channels × H × W) into `columns` (columnRows × outputArea, rows
    /// `rowStride` apart: several images' columns can sit side by side), or only the
    /// columns of `outputRows` (columnRows × their outputs).
    func imageToColumns(_ image: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>, rowStride: Int? = nil, parallel: Bool = true,
                        outputRows: Range<Int>? = nil) {
        let outputRows = outputRows ?? 0..<outputHeight
        let rowStride = rowStride ?? outputRows.count * outputWidth
        invariant(!tilesInPairs || outputRows == 0..<outputHeight, "imageToColumns: pixel unshuffles take whole images")
        let grain = parallel ? max(1, 4096 / max(outputArea * kernelArea, 1)) : channels
        Parallel.forChunks(of: channels, grain: grain) { range in
            for c in range {
                let plane = image + c * imageArea
                if tilesInPairs {
                    unshufflePairs(plane, columns + c * 4 * rowStride, rowStride: rowStride)
                    continue
                }
                for ky in 0..<kernelHeight {
                    for kx in 0..<kernelWidth {
                        let row = columns + ((c * kernelHeight + ky) * kernelWidth + kx) * rowStride
                        let (offsetX, firstX, lastX) = columnsInside(kernelX: kx)
                        for oy in outputRows {
                            let iy = oy * stride + ky * dilation - padding.top
                            let out = row + (oy - outputRows.lowerBound) * outputWidth
                            if iy < 0 || iy >= height {
                                out.update(repeating: 0, count: outputWidth)
                                continue
                            }
                            let source = plane + iy * width + offsetX
                            for ox in 0..<firstX { out[ox] = 0 }
                            if stride == 1 {
                                (out + firstX).update(from: source + firstX, count: lastX - firstX)
                            } else if stride == 2 {
                                var ox = firstX
                                let vectorEnd = vectorEndOfStrideTwo(row: iy, offsetX: offsetX, lastX: lastX)
                                while ox < vectorEnd {
                                    SIMD8<Float>.even(source + 2 * ox).store(out + ox)
                                    ox += 8
                                }
                                while ox < lastX { out[ox] = source[2 * ox]; ox += 1 }
                            } else {
                                for ox in firstX..<lastX { out[ox] = source[ox * stride] }
                            }
                            for ox in lastX..<outputWidth { out[ox] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// Folds `columns` back, adding each entry into the image pixel it was read from: onto
    /// the values `image` holds, or, `replacing` them, onto zeros (each plane cleared by the
    /// thread that folds into it, or not at all when the windows tile the image).
    func columnsToImage(_ columns: UnsafePointer<Float>, _ image: UnsafeMutablePointer<Float>, rowStride: Int? = nil,
                        parallel: Bool = true, replacing: Bool = false) {
        let rowStride = rowStride ?? outputArea
        let grain = parallel ? max(1, 4096 / max(outputArea * kernelArea, 1)) : channels
        Parallel.forChunks(of: channels, grain: grain) { range in
            for c in range {
                let plane = image + c * imageArea
                if tilesInPairs {
                    shufflePairs(columns + c * 4 * rowStride, plane, rowStride: rowStride, replacing: replacing)
                    continue
                }
                if replacing { plane.update(repeating: 0, count: imageArea) }
                for ky in 0..<kernelHeight {
                    for kx in 0..<kernelWidth {
                        let row = columns + ((c * kernelHeight + ky) * kernelWidth + kx) * rowStride
                        let (offsetX, firstX, lastX) = columnsInside(kernelX: kx)
                        for oy in 0..<outputHeight {
                            let iy = oy * stride + ky * dilation - padding.top
                            if iy < 0 || iy >= height { continue }
                            let target = plane + iy * width + offsetX
                            let source = row + oy * outputWidth
                            if stride == 1 {
                                for ox in firstX..<lastX { target[ox] += source[ox] }
                            } else if stride == 2 {
                                // The odd pixels between get + 0, so a worker touches only its own plane.
                                var ox = firstX
                                let vectorEnd = vectorEndOfStrideTwo(row: iy, offsetX: offsetX, lastX: lastX)
                                while ox < vectorEnd {
                                    SIMD8<Float>.addInterleaved(SIMD8.load(source + ox), SIMD8(), target + 2 * ox)
                                    ox += 8
                                }
                                while ox < lastX { target[2 * ox] += source[ox]; ox += 1 }
                            } else {
                                for ox in firstX..<lastX { target[ox * stride] += source[ox] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// One plane's four column rows (ky, kx) from its pixels: even pixels of rows 2·oy + ky
    /// to kx = 0, odd ones to kx = 1, eight outputs a vector.
    private func unshufflePairs(_ plane: UnsafePointer<Float>, _ rows: UnsafeMutablePointer<Float>, rowStride: Int) {
        forEachRowOfPairs(rowStride: rowStride) { pixels, even, odd in
            let (source, e, o) = (plane + pixels, rows + even, rows + odd)
            let vectorEnd = outputWidth & ~7
            for ox in Swift.stride(from: 0, to: vectorEnd, by: 8) {
                SIMD8<Float>.even(source + 2 * ox).store(e + ox)
                SIMD8<Float>.odd(source + 2 * ox).store(o + ox)
            }
            for ox in vectorEnd..<outputWidth { (e[ox], o[ox]) = (source[2 * ox], source[2 * ox + 1]) }
        }
    }

    /// The inverse of `unshufflePairs`, written over the plane or added onto it.
    private func shufflePairs(_ rows: UnsafePointer<Float>, _ plane: UnsafeMutablePointer<Float>, rowStride: Int, replacing: Bool) {
        forEachRowOfPairs(rowStride: rowStride) { pixels, even, odd in
            let (target, e, o) = (plane + pixels, rows + even, rows + odd)
            let vectorEnd = outputWidth & ~7
            for ox in Swift.stride(from: 0, to: vectorEnd, by: 8) {
                let (a, b) = (SIMD8<Float>.load(e + ox), SIMD8<Float>.load(o + ox))
                if replacing { SIMD8.storeInterleaved(a, b, target + 2 * ox) } else { SIMD8.addInterleaved(a, b, target + 2 * ox) }
            }
            for ox in vectorEnd..<outputWidth {
                if replacing { (target[2 * ox], target[2 * ox + 1]) = (e[ox], o[ox]) } else {
                    target[2 * ox] += e[ox]
                    target[2 * ox + 1] += o[ox]
                }
            }
        }
    }

    /// `body(pixels, even, odd)` for every image row 2·oy + ky of a plane tiled in pairs:
    /// the offsets of its first pixel and of the column rows (ky, 0) and (ky, 1) holding its
    /// even and odd pixels.
    private func forEachRowOfPairs(rowStride: Int, _ body: (Int, Int, Int) -> Void) {
        for ky in 0..<2 {
            for oy in 0..<outputHeight {
                let even = 2 * ky * rowStride + oy * outputWidth
                body((2 * oy + ky) * width, even, even + rowStride)
            }
        }
    }

    /// Stride 2 moves eight outputs per vector, reading or writing the sixteen input pixels
    /// from 2·ox: where those vectors may start, from `firstX` in steps of eight, without
    /// passing the end of the plane (odd pixels past the row's last one are the next row's).
    private func vectorEndOfStrideTwo(row iy: Int, offsetX: Int, lastX: Int) -> Int {
        let available = (imageArea - (iy * width + offsetX)) / 2
        let end = Swift.min(lastX, available)
        return end - 7
    }
}
