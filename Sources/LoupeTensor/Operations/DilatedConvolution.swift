/// A 3×3 convolution dilated by d and padded by d is d² undilated ones: output row
/// p·d + r reads only input rows (p + k − 1)·d + r, so the rows (and columns) of one phase
/// r form an image that an ordinary 3×3 convolution padded by 1 maps to the same phase of
/// the output ("atrous convolution by space-to-batch", as TensorFlow runs it). The phases
/// go side by side in one image per input, a mosaic with a zero seam between neighbours
/// (the padding each phase's convolution needs), which the Winograd kernel takes whole.
/// PCAR's dilated branches (pfadseg) had gone through im2col: 22.7 → 12.0 ms forward and
/// backward (d = 2, 32 channels, 64²); with the phases in the batch, d = 3's 22-pixel
/// phases were too narrow for the kernel's eight-tile rows (21.5 ms against d = 2's 15.1).
enum DilatedConvolution {
    /// The dilation d when this convolution can run as d² undilated ones that Winograd takes; nil otherwise.
    static func phasedDilation(of geometry: ConvolutionGeometry, outChannels: Int, groups: Int, batch: Int) -> Int? {
        let d = geometry.dilation
        guard d > 1, groups == 1, geometry.kernelHeight == 3, geometry.kernelWidth == 3, geometry.stride == 1,
              geometry.padding == Padding2D(d), geometry.height >= d, geometry.width >= d
        else { return nil }
        let mosaic = ConvolutionGeometry(channels: geometry.channels, height: mosaicSize(geometry.height, d), width: mosaicSize(geometry.width, d),
                                         kernelHeight: 3, kernelWidth: 3, stride: 1, padding: Padding2D(1), dilation: 1, op: "conv2d")
        return WinogradKernel(geometry: mosaic, outChannels: outChannels, groups: 1, batch: batch) == nil ? nil : d
    }

    /// Rows (or columns) of a phase: the image's, rounded up to a multiple of d, over d.
    static func phaseSize(_ size: Int, _ d: Int) -> Int { (size + d - 1) / d }

    /// Rows (or columns) of the mosaic: d phases and the d − 1 seams between them.
    static func mosaicSize(_ size: Int, _ d: Int) -> Int { d * phaseSize(size, d) + d - 1 }

    /// Moves values between an N×C×H×W image and its mosaic of phases, N×C×M×M' (phase
    /// (r, s) at rows r·(P + 1) ..< r·(P + 1) + P and the like for columns, P = ⌈H/d⌉), which
    /// holds zeros in the seams and where a phase runs past the image. `toPhases` false
    /// moves them back, dropping those.
    static func move(_ image: UnsafeMutablePointer<Float>, _ mosaic: UnsafeMutablePointer<Float>, toPhases: Bool,
                     planes: Int, height: Int, width: Int, dilation d: Int) {
        let (phaseHeight, phaseWidth) = (phaseSize(height, d), phaseSize(width, d))
        let (mosaicHeight, mosaicWidth) = (mosaicSize(height, d), mosaicSize(width, d))
        let images = UncheckedSendable((image, mosaic))
        Parallel.forChunks(of: planes, grain: max(1, 16_384 / (height * width))) { range in
            let (image, mosaic) = images.value
            for plane in range {
                let source = image + plane * height * width, target = mosaic + plane * mosaicHeight * mosaicWidth
                for m in 0..<mosaicHeight {
                    let row = target + m * mosaicWidth
                    let (r, p) = m.quotientAndRemainder(dividingBy: phaseHeight + 1)
                    let y = p * d + r
                    guard p < phaseHeight, y < height else {
                        if toPhases { row.update(repeating: 0, count: mosaicWidth) }
                        continue
                    }
                    let imageRow = source + y * width
                    for s in 0..<d {
                        let phase = row + s * (phaseWidth + 1)
                        let columns = (width - s + d - 1) / d
                        if toPhases {
                            for q in 0..<columns { phase[q] = imageRow[q * d + s] }
                            for q in columns..<phaseWidth { phase[q] = 0 }
                            if s < d - 1 { phase[phaseWidth] = 0 }
                        } else {
                            for q in 0..<columns { imageRow[q * d + s] = phase[q] }
                        }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// The mosaic of an N×C×H×W tensor's d² phases (`DilatedConvolution.move`); the
    /// gradient moves back.
    func dilationPhases(_ d: Int) -> Tensor {
        let (height, width) = (shape[2], shape[3])
        let mosaicShape = [shape[0], shape[1], DilatedConvolution.mosaicSize(height, d), DilatedConvolution.mosaicSize(width, d)]
        let result = Tensor.build(shape: mosaicShape) { out in
            withUnsafePointer { x in
                DilatedConvolution.move(UnsafeMutablePointer(mutating: x), out, toPhases: true,
                                        planes: shape[0] * shape[1], height: height, width: width, dilation: d)
            }
        }
        return result.recorded(from: [self]) { g in [g.mergingDilationPhases(d, height: height, width: width)] }
    }

    /// The N×C×H×W tensor whose mosaic of phases this is (the inverse of `dilationPhases`,
    /// dropping the seams and what lies past H×W); the gradient splits again.
    func mergingDilationPhases(_ d: Int, height: Int, width: Int) -> Tensor {
        let result = Tensor.build(shape: [shape[0], shape[1], height, width]) { out in
            withUnsafePointer { mosaic in
                DilatedConvolution.move(out, UnsafeMutablePointer(mutating: mosaic), toPhases: false,
                                        planes: shape[0] * shape[1], height: height, width: width, dilation: d)
            }
        }
        return result.recorded(from: [self]) { g in [g.dilationPhases(d)] }
    }
}
