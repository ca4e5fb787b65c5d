@testable import LoupeTensor
import Testing

/// Means over whole planes (global average pooling, MS-CAM's global branch) against Double
/// means. One running Float sum over a 64×64 plane drifted to ~2e-6 of the mean; attention
/// networks (rd-dual's fusion) amplified that to 1e-4 in the anomaly map.
@Suite struct ReductionPrecisionTests {
    @Test func planeMeansStayWithinAFewUlps() {
        var generator = SeededGenerator(seed: 7)
        let (batch, channels, side) = (2, 8, 64)
        let x = Tensor.randomUniform([batch, channels, side, side], lower: 0, upper: 6, using: &generator)
        let means = x.globalAveragePool().scalars
        let values = x.scalars, plane = side * side
        var worst = 0.0
        for p in 0..<batch * channels {
            let exact = values[p * plane..<(p + 1) * plane].reduce(0.0) { $0 + Double($1) } / Double(plane)
            worst = max(worst, abs(Double(means[p]) - exact) / exact)
        }
        #expect(worst < 6e-7, "worst relative error \(worst)")
    }
}
