import LoupeTensor
import Testing

/// Batch statistics of channels whose mean dwarfs their spread (flat regions of a PCB scan
/// give such conv outputs): checked against a two-pass Double reference, where a one-pass
/// E[x²] − E[x]² in Float loses the variance and Σg·x − mean·Σg loses the gradient (the
/// one-pass version was off by up to 80 in outputs of unit scale).
@Suite struct BatchNormalizationPrecisionTests {
    @Test(arguments: [(300.0, 0.05), (40.0, 0.002), (0.0, 1.0)])
    func matchesTwoPassStatistics(offset: Double, spread: Double) {
        let (batch, channels, side) = (8, 3, 32)
        let plane = side * side, elements = batch * plane
        var generator = SeededGenerator(seed: 5)
        let noise = Tensor.randomNormal([batch, channels, side, side], using: &generator).scalars
        var values = [Float](repeating: 0, count: noise.count)
        for index in 0..<noise.count {
            let channelOffset: Double = offset * Double(1 + (index / plane) % channels)
            values[index] = Float(channelOffset + spread * Double(noise[index]))
        }
        let upstream = Tensor.randomNormal([batch, channels, side, side], using: &generator).scalars
        let x = Tensor(shape: [batch, channels, side, side], scalars: values).requiringGradient()
        let gamma = Tensor(shape: [channels], scalars: [1.5, 0.5, 2]), beta = Tensor(shape: [channels], scalars: [0.1, -0.2, 0.3])
        let running = RunningStatistics(mean: Tensor.zeros([channels]), variance: Tensor.ones([channels]), momentum: 0.1)
        let y = x.batchNormalized(weight: gamma, bias: beta, running: running, isTraining: true)
        y.backward(gradient: Tensor(shape: y.shape, scalars: upstream))
        let output = y.scalars, gradient = x.gradient!.scalars

        for c in 0..<channels {
            var indices: [Int] = []
            for n in 0..<batch { indices += Array(((n * channels + c) * plane)..<((n * channels + c + 1) * plane)) }
            let xs = indices.map { Double(values[$0]) }, gs = indices.map { Double(upstream[$0]) }
            let mean = xs.reduce(0, +) / Double(elements)
            var squares = 0.0
            for value in xs { squares += (value - mean) * (value - mean) }
            let variance = squares / Double(elements)
            let inverse = 1 / (variance + 1e-5).squareRoot()
            let xhat = xs.map { ($0 - mean) * inverse }
            var sumG = 0.0, sumGX = 0.0
            for j in 0..<elements { sumG += gs[j]; sumGX += gs[j] * xhat[j] }
            let meanG = sumG / Double(elements), meanGX = sumGX / Double(elements)
            let g = Double(gamma.scalars[c]), b = Double(beta.scalars[c])
            var worstOutput = 0.0, worstGradient = 0.0, largestGradient = 0.0
            for (j, index) in indices.enumerated() {
                // y = x·scale + shift (PyTorch's form too) rounds at the size of x·scale.
                let rounding: Double = 1e-6 * abs(xs[j] * g * inverse)
                worstOutput = max(worstOutput, abs(Double(output[index]) - (g * xhat[j] + b)) - rounding)
                let centred: Double = gs[j] - meanG - xhat[j] * meanGX
                let expected: Double = g * inverse * centred
                worstGradient = max(worstGradient, abs(Double(gradient[index]) - expected))
                largestGradient = max(largestGradient, abs(expected))
            }
            #expect(worstOutput < 1e-3, "channel \(c): output off by \(worstOutput)")
            #expect(worstGradient < 1e-3 * largestGradient, "channel \(c): gradient off by \(worstGradient) of \(largestGradient)")
            let runningVariance = Double(running.variance.scalars[c])
            let unbiased: Double = variance * Double(elements) / Double(elements - 1)
            let expectedRunning: Double = 0.9 + 0.1 * unbiased
            #expect(abs(runningVariance - expectedRunning) < 1e-4 * expectedRunning, "channel \(c): running variance \(runningVariance), expected \(expectedRunning)")
        }
    }
}
