/// A 3×3 convolution dilated by d and padded by d is d² undilated ones: output row
/// p·d + r reads only input rows (p + k − 1)·d + r, so the rows (and columns) of one phase
/// r form an image that an ordinary 3×3 convolution padded by 1 maps to the same phase of
/// the output ("atrous convolution by space-to-batch", as TensorFlow runs it). The phases go
/// side by side in the batch, where the Winograd kernel takes them. PCAR's dilated branches
/// (pfadseg) had gone through im2col: 22.7 → 12.0 ms forward+backward (d = 2, 32 channels, 64²).
enum DilatedConvolution {
    /// The dilation d when this convolution can run as d² undilated ones that Winograd takes; nil otherwise.
    static func phasedDilation(of geometry: ConvolutionGeometry, outChannels: Int, groups: Int, batch: Int) -> Int? {
        let d = geometry.dilation
        guard d > 1, groups == 1, geometry.kernelHeight == 3, geometry.kernelWidth == 3, geometry.stride == 1,
              geometry.padding == Padding2D(d), geometry.height >= d, geometry.width >= d
        else { return nil }
        let phased = ConvolutionGeometry(channels: geometry.channels, height: phaseSize(geometry.height, d), width: phaseSize(geometry.width, d),
                                         kernelHeight: 3, kernelWidth: 3, stride: 1, padding: Padding2D(1), dilation: 1, op: "conv2d")
        return WinogradKernel(geometry: phased, outChannels: outChannels, groups: 1, batch: batch * d * d) == nil ? nil : d
    }

    /// Rows (or columns) of a phase: the image's, rounded up to a multiple of d, over d.
    static func phaseSize(_ size: Int, _ d: Int) -> Int { (size + d - 1) / d }

    /// Moves values between an N×C×H×W image and its d² phases, a (d²·N)×C×⌈H/d⌉×⌈W/d⌉
    /// batch (phase (r, s) of image n is item (r·d + s)·N + n), which holds zeros where a
    /// phase runs past the image. `toPhases` false moves them back, dropping those.
    static func move(_ image: UnsafeMutablePointer<Float>, _ phases: UnsafeMutablePointer<Float>, toPhases: Bool,
                     batch: Int, channels: Int, height: Int, width: Int, dilation d: Int) {
        let (phaseHeight, phaseWidth) = (phaseSize(height, d), phaseSize(width, d))
        let planes = batch * channels
        let images = UncheckedSendable((image, phases))
        Parallel.forChunks(of: planes, grain: max(1, 16_384 / (height * width))) { range in
            let (image, phases) = images.value
            for plane in range {
                let (n, c) = plane.quotientAndRemainder(dividingBy: channels)
                let source = image + plane * height * width
                for r in 0..<d {
                    for s in 0..<d {
                        let phase = phases + (((r * d + s) * batch + n) * channels + c) * phaseHeight * phaseWidth
                        let columns = (width - s + d - 1) / d
                        for p in 0..<phaseHeight {
                            let row = phase + p * phaseWidth
                            let y = p * d + r
                            guard y < height else {
                                if toPhases { row.update(repeating: 0, count: phaseWidth) }
                                continue
                            }
                            let imageRow = source + y * width + s
                            if toPhases {
                                for q in 0..<columns { row[q] = imageRow[q * d] }
                                for q in columns..<phaseWidth { row[q] = 0 }
                            } else {
                                for q in 0..<columns { imageRow[q * d] = row[q] }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// The d² phases of an N×C×H×W tensor as one batch (`DilatedConvolution.move`); the
    /// gradient moves back.
    func dilationPhases(_ d: Int) -> Tensor {
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let phaseShape = [d * d * batch, channels, DilatedConvolution.phaseSize(height, d), DilatedConvolution.phaseSize(width, d)]
        let result = Tensor.build(shape: phaseShape) { out in
            withUnsafePointer { x in
                DilatedConvolution.move(UnsafeMutablePointer(mutating: x), out, toPhases: true,
                                        batch: batch, channels: channels, height: height, width: width, dilation: d)
            }
        }
        return result.recorded(from: [self]) { g in [g.mergingDilationPhases(d, height: height, width: width)] }
    }

    /// The N×C×H×W tensor whose phases these are (the inverse of `dilationPhases`, dropping
    /// what lies past H×W); the gradient splits again.
    func mergingDilationPhases(_ d: Int, height: Int, width: Int) -> Tensor {
        let (batch, channels) = (shape[0] / (d * d), shape[1])
        let result = Tensor.build(shape: [batch, channels, height, width]) { out in
            withUnsafePointer { phases in
                DilatedConvolution.move(out, UnsafeMutablePointer(mutating: phases), toPhases: false,
                                        batch: batch, channels: channels, height: height, width: width, dilation: d)
            }
        }
        return result.recorded(from: [self]) { g in [g.dilationPhases(d)] }
    }
}
