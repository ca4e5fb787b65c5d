import LoupeTensor
import Testing

/// Cosine similarity and both its gradients against the definition in Double, on a tensor
/// large enough that the work splits over the cores mid-image, with one all-zero position
/// (the ε clamp). The PyTorch fixture case is small enough to run in one piece.
@Suite struct CosineSimilarityTests {
    @Test func matchesDefinitionAcrossParallelRuns() {
        let shape = [3, 5, 17, 23], inner = 17 * 23, channels = 5
        var generator = SeededGenerator(seed: 7)
        var a = Tensor.randomNormal(shape, using: &generator).scalars
        let b = Tensor.randomNormal(shape, using: &generator).scalars
        let zeroPosition = (1, 200)  // image 1, pixel 200: ‖a‖ = 0 there
        for c in 0..<channels { a[(zeroPosition.0 * channels + c) * inner + zeroPosition.1] = 0 }
        let weights = Tensor.randomNormal([3, 17, 23], using: &generator)
        let left = Tensor(shape: shape, scalars: a).requiringGradient()
        let right = Tensor(shape: shape, scalars: b).requiringGradient()
        let cosines = left.cosineSimilarity(right)
        cosines.backward(gradient: weights)

        var worst = (cosine: 0.0, left: 0.0, right: 0.0)
        for o in 0..<3 {
            for i in 0..<inner {
                let index = { (c: Int) in (o * channels + c) * inner + i }
                let x = (0..<channels).map { Double(a[index($0)]) }, y = (0..<channels).map { Double(b[index($0)]) }
                let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
                let xx = x.reduce(0) { $0 + $1 * $1 }, yy = y.reduce(0) { $0 + $1 * $1 }
                let denominator = max(xx * yy, 1e-16).squareRoot(), cosine = dot / denominator
                let g = Double(weights.scalars[o * inner + i])
                worst.cosine = max(worst.cosine, abs(Double(cosines.scalars[o * inner + i]) - cosine))
                for c in 0..<channels {
                    let dLeft = g * (y[c] / denominator - (xx == 0 ? 0 : cosine * x[c] / xx))
                    let dRight = g * (x[c] / denominator - (yy == 0 ? 0 : cosine * y[c] / yy))
                    // Relative where large: next to the zero vector the gradient is y / ε.
                    worst.left = max(worst.left, abs(Double(left.gradient!.scalars[index(c)]) - dLeft) / max(1, abs(dLeft)))
                    worst.right = max(worst.right, abs(Double(right.gradient!.scalars[index(c)]) - dRight) / max(1, abs(dRight)))
                }
            }
        }
        #expect(worst.cosine < 1e-6, "cosine off by \(worst.cosine)")
        #expect(worst.left < 1e-5, "gradient of the left input off by \(worst.left)")
        #expect(worst.right < 1e-5, "gradient of the right input off by \(worst.right)")
        #expect(cosines.scalars[zeroPosition.0 * inner + zeroPosition.1] == 0)
    }
}
