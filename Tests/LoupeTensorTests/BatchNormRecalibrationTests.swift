import LoupeTensor
import Testing

/// Precise BatchNorm statistics against averages of batch statistics computed by hand in
/// Double.
@Suite struct BatchNormRecalibrationTests {
    /// Mean and unbiased variance of channel c over every image and pixel of `x`.
    static func statistics(_ x: Tensor, channel c: Int) -> (mean: Double, variance: Double) {
        let (batch, channels) = (x.shape[0], x.shape[1]), plane = x.count / (batch * channels)
        let values = (0..<batch).flatMap { n in (0..<plane).map { Double(x.scalars[(n * channels + c) * plane + $0]) } }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
        return (mean, variance)
    }

    @Test func runningStatisticsBecomeTheSizeWeightedAverageOfBatchStatistics() {
        var generator = SeededGenerator(seed: 11)
        let norm = BatchNorm2d(3)
        let sizes = [4, 2, 3]
        let batches = sizes.map { Tensor.randomNormal([$0, 3, 5, 4], using: &generator) * 2 + 0.5 }
        // Stale statistics from other data, and evaluation mode, which must both be undone.
        norm.running_mean.assign(Tensor.ones([3]) * 7)
        norm.eval()
        norm.recalibrateBatchNorms(batchSizes: sizes) { _ = norm(batches[$0]) }
        for c in 0..<3 {
            let perBatch = batches.map { Self.statistics($0, channel: c) }
            let total = Double(sizes.reduce(0, +))
            let mean = zip(perBatch, sizes).map { $0.mean * Double($1) }.reduce(0, +) / total
            let variance = zip(perBatch, sizes).map { $0.variance * Double($1) }.reduce(0, +) / total
            #expect(abs(Double(norm.running_mean.value.scalars[c]) - mean) < 1e-5, "channel \(c) mean")
            #expect(abs(Double(norm.running_var.value.scalars[c]) - variance) < 1e-4, "channel \(c) variance")
        }
        #expect(norm.momentum == 0.1, "the momentum is restored")
        #expect(!norm.isTraining, "evaluation mode is restored")
    }

    @Test func everyNormBelowIsRecalibratedFromTheOnesBefore() {
        var generator = SeededGenerator(seed: 12)
        let first = BatchNorm2d(2), second = BatchNorm2d(4)
        let conv = Conv2d(inChannels: 2, outChannels: 4, kernelSize: 3, padding: Padding2D(1), using: &generator)
        let network = Sequential([first, conv, second])
        #expect(network.batchNorms.map { ObjectIdentifier($0) } == [ObjectIdentifier(first), ObjectIdentifier(second)])
        let x = Tensor.randomNormal([5, 2, 6, 6], using: &generator) * 3 - 1
        network.recalibrateBatchNorms(batchSizes: [5]) { _ in _ = network(x) }
        // One batch: the second norm sees the convolution of the first norm's training-mode output.
        let hidden = conv(withoutGradients { x.batchNormalized(weight: first.weight.value, bias: first.bias.value,
                                                                running: RunningStatistics(mean: .zeros([2]), variance: .ones([2]), momentum: 0.1),
                                                                isTraining: true) })
        for c in 0..<4 {
            let expected = Self.statistics(hidden, channel: c)
            #expect(abs(Double(second.running_mean.value.scalars[c]) - expected.mean) < 1e-4, "channel \(c) mean")
            #expect(abs(Double(second.running_var.value.scalars[c]) - expected.variance) < 1e-3 * expected.variance, "channel \(c) variance")
        }
    }
}
