import LoupeTensor
import Testing

/// The fused convolution paths a frozen teacher runs (bias and activation applied as the
/// output is written; depthwise convolutions from zero-padded column phases, sixteen, eight
/// and fewer outputs at a time; pointwise ones in column blocks) against the definition
/// summed in Double, and bit for bit against the unfused operations a gradient tape records.
@Suite struct FusedConvolutionTests {
    typealias Geometry = ConvolutionCase

    /// A depthwise case: one filter per channel.
    static func depthwise(batch: Int = 2, channels: Int = 5, height: Int, width: Int, kernel: Int = 3, stride: Int = 1,
                          dilation: Int = 1, padding: Padding2D = Padding2D(1)) -> Geometry {
        Geometry(batch: batch, channels: channels, outChannels: channels, groups: channels, height: height, width: width,
                 kernelHeight: kernel, kernelWidth: kernel, stride: stride, dilation: dilation, padding: padding)
    }

    /// A dense case with a square kernel.
    static func dense(batch: Int, channels: Int, outChannels: Int, height: Int, width: Int, kernel: Int, stride: Int = 1,
                      dilation: Int = 1, padding: Padding2D) -> Geometry {
        Geometry(batch: batch, channels: channels, outChannels: outChannels, height: height, width: width,
                 kernelHeight: kernel, kernelWidth: kernel, stride: stride, dilation: dilation, padding: padding)
    }

    static let geometries: [Geometry] = [
        // Depthwise: 16 + 5 outputs per row; a row narrower than one vector; 2 × 16 + 8.
        depthwise(height: 9, width: 21),
        depthwise(height: 5, width: 5),
        depthwise(batch: 1, channels: 3, height: 4, width: 40, padding: Padding2D(top: 0, left: 2, bottom: 2, right: 0)),
        // TF "SAME" padding of stride 2 (more at the bottom and right), odd and even sizes.
        depthwise(height: 11, width: 37, stride: 2, padding: Padding2D(top: 0, left: 0, bottom: 1, right: 1)),
        depthwise(channels: 7, height: 10, width: 34, kernel: 5, stride: 2, padding: Padding2D(top: 1, left: 1, bottom: 2, right: 2)),
        // 5×5, and dilated by 2 (the ROI encoder's atrous stage), wider than the image.
        depthwise(height: 7, width: 19, kernel: 5, padding: Padding2D(2)),
        depthwise(height: 6, width: 23, kernel: 5, dilation: 2, padding: Padding2D(4)),
        depthwise(batch: 1, height: 3, width: 2, kernel: 5, padding: Padding2D(top: 2, left: 4, bottom: 2, right: 3)),
        // Pointwise: several column blocks (the last one not a whole vector), one image and a batch.
        dense(batch: 2, channels: 5, outChannels: 520, height: 20, width: 35, kernel: 1, padding: Padding2D(0)),
        dense(batch: 1, channels: 9, outChannels: 6, height: 3, width: 7, kernel: 1, padding: Padding2D(0)),
        // One image whose product (a million multiply-adds) is split over the cores in column blocks.
        dense(batch: 1, channels: 64, outChannels: 96, height: 13, width: 13, kernel: 1, padding: Padding2D(0)),
        // Dense (im2col, then Winograd), where the epilogue is its own pass.
        dense(batch: 2, channels: 3, outChannels: 4, height: 7, width: 9, kernel: 3, stride: 2, padding: Padding2D(1)),
        dense(batch: 2, channels: 24, outChannels: 24, height: 10, width: 13, kernel: 3, padding: Padding2D(1)),
        // Dilated by 3: Winograd on the dilation's phases, bias and activation before they merge.
        dense(batch: 2, channels: 24, outChannels: 25, height: 11, width: 14, kernel: 3, dilation: 3, padding: Padding2D(3)),
    ]

    @Test(arguments: geometries, [ConvolutionActivation.relu6, .relu])
    func fusedOutputsMatchTheDefinitionAndTheUnfusedOperations(_ g: Geometry, activation: ConvolutionActivation) {
        var generator = SeededGenerator(seed: UInt64(g.width * 131 + g.kernelWidth * 17 + g.outChannels))
        // Spread wide enough that ReLU6 clamps at both ends.
        let x = Tensor.randomNormal([g.batch, g.channels, g.height, g.width], standardDeviation: 3, using: &generator)
        let w = Tensor.randomNormal([g.outChannels, g.channels / g.groups, g.kernelHeight, g.kernelWidth], using: &generator)
        let b = Tensor.randomNormal([g.outChannels], using: &generator)
        let fused = x.conv2d(weight: w, bias: b, stride: g.stride, padding: g.padding, dilation: g.dilation, groups: g.groups,
                             activation: activation)
        // A tape to record: the activation runs as its own operation after conv2d + bias.
        let unfused = x.requiringGradient().conv2d(weight: w, bias: b, stride: g.stride, padding: g.padding, dilation: g.dilation,
                                                   groups: g.groups, activation: activation)
        #expect(fused.shape == [g.batch, g.outChannels, g.outputHeight, g.outputWidth])
        #expect(fused.scalars == unfused.scalars, "fused and unfused outputs differ")

        let (xs, ws, bs) = (x.scalars, w.scalars, b.scalars)
        let area = g.outputHeight * g.outputWidth
        var sums = (0..<fused.count).map { Double(bs[$0 / area % g.outChannels]) }
        g.forEachProduct { yIndex, xIndex, wIndex in sums[yIndex] += Double(ws[wIndex]) * Double(xs[xIndex]) }
        let upper: Double = activation == .relu6 ? 6 : .infinity
        var worst = 0.0, scale = 1.0
        for (actual, sum) in zip(fused.scalars, sums) {
            worst = max(worst, abs(Double(actual) - min(max(sum, 0), upper)))
            scale = max(scale, abs(sum))
        }
        #expect(worst < 1e-5 * scale, "largest error \(worst) (sums up to \(scale))")
    }

    /// A frozen layer's Winograd weights are transformed once and reused; a write to the
    /// weights (an optimiser step, loading a checkpoint) makes the next forward transform
    /// them again.
    @Test func reusedWinogradWeightsFollowEveryWrite() {
        var generator = SeededGenerator(seed: 5)
        let conv = Conv2d(inChannels: 24, outChannels: 24, kernelSize: 3, padding: Padding2D(1), using: &generator)
        let x = Tensor.randomNormal([1, 24, 8, 9], using: &generator)
        func fresh() -> [Float] {
            // A copy of the weights: new storage, nothing derived from it yet.
            withoutGradients { x.conv2d(weight: conv.weight.value.copied(), bias: conv.bias?.value, padding: Padding2D(1)) }.scalars
        }
        let first = withoutGradients { conv(x) }.scalars
        #expect(first == fresh())
        #expect(withoutGradients { conv(x) }.scalars == first)
        conv.weight.update { w in for i in 0..<(24 * 24 * 9) { w[i] *= -2 } }
        let updated = withoutGradients { conv(x) }.scalars
        #expect(updated == fresh() && updated != first)
        conv.weight.assign(Tensor.randomNormal([24, 24, 3, 3], using: &generator))
        #expect(withoutGradients { conv(x) }.scalars == fresh())
    }

    /// The layer form: a folded BatchNorm makes conv–BN–activation one fused call that gives
    /// what the unfolded layers give.
    @Test func aFoldedConvolutionNormActivationMatchesTheUnfoldedLayers() {
        var generator = SeededGenerator(seed: 11)
        let conv = Conv2d(inChannels: 6, outChannels: 6, kernelSize: 3, stride: 2, paddingRule: .tensorFlowSame, groups: 6,
                          bias: false, using: &generator)
        let norm = BatchNorm2d(6, epsilon: 1e-3)
        norm.running_mean.assign(Tensor.randomNormal([6], using: &generator))
        norm.running_var.assign(Tensor.randomUniform([6], lower: 0.5, upper: 2, using: &generator))
        norm.weight.assign(Tensor.randomNormal([6], using: &generator))
        norm.bias.assign(Tensor.randomNormal([6], using: &generator))
        norm.eval()
        let x = Tensor.randomNormal([2, 6, 13, 17], standardDeviation: 3, using: &generator)
        let unfolded = conv(x, then: norm, .relu6)
        #expect(unfolded.scalars == norm(conv(x)).relu6().scalars)
        conv.fold(norm)
        let folded = withoutGradients { conv(x, then: norm, .relu6) }
        let worst = zip(folded.scalars, unfolded.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5, "folded and unfolded differ by \(worst)")
    }
}
