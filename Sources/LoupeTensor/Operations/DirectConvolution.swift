import Foundation

// A large kernel between a few channels (sacd's spatial attention: 2 → 1, 7×7), summed
// tap by tap straight from the planes: unfolding it first wrote kh·kw copies of the input
// (25 MB for 16 images at 64²) for a product of one row.

extension ConvolutionKernel {
    /// Dense, stride 1, undilated, a kernel of 5×5 or more, at most 8 channel pairs: where
    /// the column matrix outweighs the product it feeds.
    var isDirect: Bool {
        groups == 1 && geometry.stride == 1 && geometry.dilation == 1 && geometry.kernelArea >= 25
            && outChannels * geometry.channels <= 8
    }

    /// For every tap of `filter`, adds the tap's weight times one plane, shifted by the tap,
    /// into the other: the output plane from the image (`intoOutput`), or back.
    private func addShifted(filter: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                            intoOutput: Bool) {
        let g = geometry
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                let weight = filter[ky * g.kernelWidth + kx]
                let (offsetX, firstX, lastX) = g.columnsInside(kernelX: kx), (offsetY, firstY, lastY) = g.rowsInside(kernelY: ky)
                for oy in firstY..<lastY {
                    let outputRow = output + oy * g.outputWidth + firstX, imageRow = image + (oy + offsetY) * g.width + offsetX + firstX
                    if intoOutput {
                        for i in 0..<lastX - firstX { outputRow[i] += weight * imageRow[i] }
                    } else {
                        for i in 0..<lastX - firstX { imageRow[i] += weight * outputRow[i] }
                    }
                }
            }
        }
    }

    /// out[n, o] = Σ_c Σ_taps w[o, c, tap] · x[n, c] shifted by the tap.
    func directForward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        directSum(from: x, w, into: out, intoOutput: true)
    }

    /// dx[n, c] = Σ_o Σ_taps w[o, c, tap] · dy[n, o] shifted back by the tap.
    func directInputGradient(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        directSum(from: dy, w, into: dx, intoOutput: false)
    }

    /// The forward (image planes into output planes) or the input gradient (the reverse),
    /// one target plane per task, its source planes added in channel order.
    private func directSum(from source: UnsafePointer<Float>, _ w: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>,
                           intoOutput: Bool) {
        let g = geometry, channels = g.channels
        let (targets, sources) = intoOutput ? (outChannels, channels) : (channels, outChannels)
        let (targetArea, sourceArea) = intoOutput ? (g.outputArea, g.imageArea) : (g.imageArea, g.outputArea)
        let planes = UncheckedSendable(target)
        Parallel.forEach(batch * targets) { plane in
            let n = plane / targets, t = plane % targets, destination = planes.value + plane * targetArea
            destination.initialize(repeating: 0, count: targetArea)
            for s in 0..<sources {
                let (o, c) = intoOutput ? (t, s) : (s, t)
                let other = UnsafeMutablePointer(mutating: source + (n * sources + s) * sourceArea)
                addShifted(filter: w + (o * channels + c) * g.kernelArea, image: intoOutput ? other : destination,
                           output: intoOutput ? destination : other, intoOutput: intoOutput)
            }
        }
    }

    /// dW[o, c, tap] = Σ_n ⟨dy[n, o], x[n, c] shifted by the tap⟩; one weight per task, each
    /// row's products summed in sixteen lanes.
    func directWeightGradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>) {
        let g = geometry, channels = g.channels, target = UncheckedSendable(dw)
        Parallel.forEach(outChannels * channels * g.kernelArea) { index in
            let tap = index % g.kernelArea, pair = index / g.kernelArea, o = pair / channels, c = pair % channels
            let (ky, kx) = (tap / g.kernelWidth, tap % g.kernelWidth)
            let (offsetX, firstX, lastX) = g.columnsInside(kernelX: kx), (offsetY, firstY, lastY) = g.rowsInside(kernelY: ky)
            var total: Float = 0
            for n in 0..<batch {
                let gradient = dy + (n * outChannels + o) * g.outputArea, image = x + (n * channels + c) * g.imageArea
                for oy in firstY..<lastY {
                    let row = gradient + oy * g.outputWidth + firstX, source = image + (oy + offsetY) * g.width + offsetX + firstX
                    total += LaneSums.dot(row, source, count: lastX - firstX)
                }
            }
            target.value[index] = total
        }
    }
}
