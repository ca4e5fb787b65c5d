import LoupeTensor
import Testing

/// Convolution forward and both gradients against the definition, summed in Double, over
/// geometries that reach every unfolding path: stride 1 keeping the width (one shifted copy
/// per kernel offset), stride 1 widening or narrowing it, strides and dilations, kernels
/// wider than the image, and uneven padding; stride 2 eight lanes at a time; batches (one
/// column matrix for the batch) and a single image (a column matrix per image); 2×2 stride-2
/// windows tiling the image exactly; 1×1 convolutions; both Winograd tile sizes; dilated
/// convolutions run as Winograd on the mosaic of their phases; large kernels between few
/// channels summed tap by tap; images unfolded in blocks of output rows.
@Suite struct ConvolutionReferenceTests {
    /// Dense (groups 1) and depthwise cases.
    typealias Geometry = ConvolutionCase

    static let geometries: [Geometry] = [
        Geometry(),
        Geometry(padding: Padding2D(top: 2, left: 0, bottom: 0, right: 2)),
        Geometry(kernelHeight: 3, kernelWidth: 2, padding: Padding2D(top: 2, left: 0, bottom: 0, right: 1)),
        Geometry(dilation: 2, padding: Padding2D(2)),
        Geometry(height: 4, width: 3, kernelHeight: 5, kernelWidth: 5, padding: Padding2D(2)),
        Geometry(height: 3, width: 2, kernelHeight: 3, kernelWidth: 5, padding: Padding2D(top: 1, left: 4, bottom: 1, right: 0)),
        Geometry(padding: Padding2D(0)),
        Geometry(kernelHeight: 5, kernelWidth: 5, padding: Padding2D(3)),
        Geometry(stride: 2, padding: Padding2D(1)),
        // Stride 2 wide enough for eight-lane gathers and scatters, the last ones stopping
        // at the end of the plane; a 2×2 stride-2 kernel (the student's transposed
        // convolutions run its input gradient as their forward).
        Geometry(batch: 2, height: 5, width: 37, stride: 2, padding: Padding2D(1)),
        Geometry(batch: 1, channels: 2, outChannels: 3, height: 6, width: 34, kernelHeight: 2, kernelWidth: 2, stride: 2,
                 padding: Padding2D(0)),
        // 2×2 stride 2 tiling the image (pixel shuffles, a batch's columns side by side), and
        // leaving its last row and column out (the general path).
        Geometry(batch: 2, channels: 3, outChannels: 2, height: 4, width: 36, kernelHeight: 2, kernelWidth: 2, stride: 2,
                 padding: Padding2D(0)),
        Geometry(batch: 2, channels: 2, outChannels: 3, height: 7, width: 35, kernelHeight: 2, kernelWidth: 2, stride: 2,
                 padding: Padding2D(0)),
        Geometry(batch: 1, channels: 2, outChannels: 2, height: 9, width: 8),
        // Stride 2 with output rows a multiple of eight (RD's bottleneck): even and odd
        // widths and heights, TensorFlow's uneven padding, a 5×5 kernel, a batch (columns
        // side by side) and a single image (split over the channels).
        Geometry(batch: 2, height: 7, width: 16, stride: 2, padding: Padding2D(1)),
        Geometry(batch: 2, channels: 5, height: 9, width: 31, stride: 2, padding: Padding2D(1)),
        Geometry(batch: 2, height: 6, width: 16, stride: 2, padding: Padding2D(top: 0, left: 0, bottom: 1, right: 1)),
        Geometry(batch: 2, height: 8, width: 15, kernelHeight: 5, kernelWidth: 5, stride: 2, padding: Padding2D(2)),
        Geometry(batch: 1, channels: 4, outChannels: 3, height: 5, width: 32, stride: 2, padding: Padding2D(1)),
        // 1×1: one product per column block of each image, a batch and a single image.
        Geometry(batch: 3, channels: 5, outChannels: 7, height: 9, width: 11, kernelHeight: 1, kernelWidth: 1, padding: Padding2D(0)),
        Geometry(batch: 1, channels: 6, outChannels: 3, height: 5, width: 13, kernelHeight: 1, kernelWidth: 1, padding: Padding2D(0)),
        // Depthwise: RCM's 1×11 and 11×1 bands and a 3×3 at stride 1 (rows longer than
        // sixteen lanes, input gradient as the flipped filters' forward, weight gradient over
        // the padded plane), and at stride 2 (gradients by taps). Then the teachers' 5×5 on a
        // plane eight lanes wide (no tail), dilated, unpadded (the adjoint pads by the whole
        // reach) and unevenly padded.
        Geometry(batch: 2, channels: 3, outChannels: 3, groups: 3, height: 9, width: 40, kernelHeight: 1, kernelWidth: 11,
                 padding: Padding2D(top: 0, left: 5, bottom: 0, right: 5)),
        Geometry(batch: 2, channels: 3, outChannels: 3, groups: 3, height: 23, width: 37, kernelHeight: 11, kernelWidth: 1,
                 padding: Padding2D(top: 5, left: 0, bottom: 5, right: 0)),
        Geometry(batch: 2, channels: 4, outChannels: 4, groups: 4, height: 12, width: 35),
        Geometry(batch: 1, channels: 4, outChannels: 4, groups: 4, height: 12, width: 35, stride: 2),
        Geometry(batch: 2, channels: 5, outChannels: 5, groups: 5, height: 16, width: 16, kernelHeight: 5, kernelWidth: 5, padding: Padding2D(2)),
        Geometry(batch: 1, channels: 3, outChannels: 3, groups: 3, height: 13, width: 21, kernelHeight: 5, kernelWidth: 5, dilation: 2,
                 padding: Padding2D(4)),
        Geometry(batch: 2, channels: 2, outChannels: 2, groups: 2, height: 9, width: 10, padding: Padding2D(0)),
        Geometry(batch: 1, channels: 2, outChannels: 2, groups: 2, height: 8, width: 19, padding: Padding2D(top: 0, left: 1, bottom: 2, right: 1)),
        // Stride 2 (both gradients through the padded phases): the teachers' 5×5 with
        // TensorFlow's uneven padding on rows eight lanes wide, a last row and column no
        // window reaches, more padding than reach (no adjoint at stride 1 either), dilated.
        Geometry(batch: 2, channels: 3, outChannels: 3, groups: 3, height: 33, width: 32, kernelHeight: 5, kernelWidth: 5, stride: 2,
                 padding: Padding2D(top: 1, left: 1, bottom: 2, right: 2)),
        Geometry(batch: 1, channels: 2, outChannels: 2, groups: 2, height: 10, width: 12, stride: 2, padding: Padding2D(0)),
        Geometry(batch: 1, channels: 2, outChannels: 2, groups: 2, height: 6, width: 7, padding: Padding2D(3)),
        Geometry(batch: 1, channels: 2, outChannels: 2, groups: 2, height: 15, width: 18, stride: 2, dilation: 2, padding: Padding2D(2)),
        // From 64² up a batch's pointwise gradients are per-image products on the tensors themselves.
        Geometry(batch: 2, channels: 5, outChannels: 3, height: 64, width: 64, kernelHeight: 1, kernelWidth: 1, padding: Padding2D(0)),
        // Winograd F(2×2, 3×3): even and odd sizes, a batch and a single image.
        Geometry(batch: 2, channels: 32, outChannels: 36, height: 6, width: 8),
        Geometry(batch: 1, channels: 40, outChannels: 32, height: 9, width: 5),
        // Winograd F(4×4, 3×3): tile rows of eight (SIMD) and of eight plus one (scalar tail),
        // tiles hanging over the bottom and right edges, a batch and a single image.
        Geometry(batch: 2, channels: 24, outChannels: 24, height: 10, width: 30),
        Geometry(batch: 1, channels: 24, outChannels: 24, height: 9, width: 66),
        // 256 tiles, 24 × 20 filters: the weight gradient's dot kernel (WinogradConvolutionTests
        // checks which cases reach which product); more filters than it takes (56 × 48).
        Geometry(batch: 2, channels: 24, outChannels: 20, height: 64, width: 32),
        Geometry(batch: 2, channels: 56, outChannels: 48, height: 8, width: 12),
        // The fewest channels it takes (the ROI decoder's 16), odd sizes.
        Geometry(batch: 2, channels: 16, outChannels: 17, height: 11, width: 13),
        // Dilated 3×3 padded by the dilation: Winograd on the mosaic of d² phases, sizes that d does and
        // does not divide (phases running past the image), a batch and a single image.
        Geometry(batch: 2, channels: 24, outChannels: 26, height: 12, width: 11, dilation: 2, padding: Padding2D(2)),
        Geometry(batch: 1, channels: 32, outChannels: 24, height: 13, width: 17, dilation: 3, padding: Padding2D(3)),
        Geometry(batch: 2, channels: 24, outChannels: 24, height: 3, width: 8, dilation: 3, padding: Padding2D(3)),
        // Large kernels between few channels, summed tap by tap from the planes: sacd's 7×7
        // spatial attention (2 → 1), a kernel wider and taller than the image, uneven padding.
        Geometry(batch: 2, channels: 2, outChannels: 1, height: 12, width: 37, kernelHeight: 7, kernelWidth: 7, padding: Padding2D(3)),
        Geometry(batch: 1, channels: 1, outChannels: 2, height: 5, width: 4, kernelHeight: 7, kernelWidth: 7, padding: Padding2D(3)),
        Geometry(batch: 3, channels: 2, outChannels: 3, height: 9, width: 10, kernelHeight: 5, kernelWidth: 5,
                 padding: Padding2D(top: 4, left: 0, bottom: 0, right: 2)),
        // Images unfolded a block of output rows at a time (over 1 MB of columns each): a
        // 7×7 stride-2 stem, a 3×3 stride-2 stem with TensorFlow's uneven padding (the
        // EfficientNet-Lite teachers'), and a 3×3 on one channel; all end on a part block.
        Geometry(batch: 2, channels: 3, outChannels: 4, height: 200, width: 190, kernelHeight: 7, kernelWidth: 7, stride: 2,
                 padding: Padding2D(3)),
        Geometry(batch: 2, channels: 3, outChannels: 4, height: 200, width: 210, stride: 2,
                 padding: Padding2D(top: 0, left: 0, bottom: 1, right: 1)),
        Geometry(batch: 1, channels: 1, outChannels: 2, height: 380, width: 390),
    ]

    @Test(arguments: geometries)
    func forwardAndGradientsMatchTheDefinition(_ geometry: Geometry) {
        let g = geometry
        var generator = SeededGenerator(seed: UInt64(g.height * 31 + g.kernelWidth * 7 + g.padding.left))
        let x = Tensor.randomNormal([g.batch, g.channels, g.height, g.width], using: &generator).requiringGradient()
        let w = Tensor.randomNormal([g.outChannels, g.channels / g.groups, g.kernelHeight, g.kernelWidth], using: &generator).requiringGradient()
        let r = Tensor.randomNormal([g.batch, g.outChannels, g.outputHeight, g.outputWidth], using: &generator)
        let y = x.conv2d(weight: w, stride: g.stride, padding: g.padding, dilation: g.dilation, groups: g.groups)
        #expect(y.shape == r.shape)
        (y * r).sum().backward()

        let xs = x.scalars, ws = w.scalars, rs = r.scalars
        var expectedY = [Double](repeating: 0, count: r.count)
        var expectedX = [Double](repeating: 0, count: xs.count)
        var expectedW = [Double](repeating: 0, count: ws.count)
        g.forEachProduct { yIndex, xIndex, wIndex in
            expectedY[yIndex] += Double(ws[wIndex]) * Double(xs[xIndex])
            expectedX[xIndex] += Double(ws[wIndex]) * Double(rs[yIndex])
            expectedW[wIndex] += Double(xs[xIndex]) * Double(rs[yIndex])
        }
        for (name, actual, expected) in [("output", y.scalars, expectedY), ("∂/∂x", x.gradient?.scalars ?? [], expectedX),
                                         ("∂/∂w", w.gradient?.scalars ?? [], expectedW)] {
            #expect(actual.count == expected.count, "\(name): \(actual.count) values, expected \(expected.count)")
            let scale = max(1, expected.map(abs).max() ?? 1)
            let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 1e-4 * scale, "\(name): largest error \(worst) (values up to \(scale))")
        }
    }
}
