import Foundation
import LoupeTensor
import Testing

/// softmax's blocked walk against the definition in Double: an axis in the middle with more
/// neighbouring slices than one block (64 + 64 + 2), the last axis (one slice per row), and
/// logits far enough apart that some terms fall below e⁻⁸⁷; the gradient against
/// dx = y ⊙ (g − Σ g y).
@Suite struct SoftmaxTests {
    @Test(arguments: [([2, 4, 10, 13], 1), ([3, 70], 1), ([5, 3, 7], 2)])
    func valuesAndGradientMatchTheDefinition(_ shape: [Int], axis: Int) {
        var generator = SeededGenerator(seed: UInt64(shape.reduce(0, +)))
        // A spread of 60: differences past 87 between the values of one slice are common.
        let x = (Tensor.randomNormal(shape, using: &generator) * Tensor(60)).requiringGradient()
        let g = Tensor.randomNormal(shape, using: &generator)
        let y = x.softmax(alongAxis: axis)
        (y * g).sum().backward()

        let (xs, gs) = (x.scalars, g.scalars)
        let length = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        var expectedY = [Double](repeating: 0, count: xs.count), expectedX = expectedY
        for row in 0..<(xs.count / (length * inner)) {
            for i in 0..<inner {
                let indices = (0..<length).map { row * length * inner + $0 * inner + i }
                let largest = indices.map { Double(xs[$0]) }.max() ?? 0
                let total = indices.map { exp(Double(xs[$0]) - largest) }.reduce(0, +)
                for index in indices { expectedY[index] = exp(Double(xs[index]) - largest) / total }
                let dot = indices.map { Double(gs[$0]) * expectedY[$0] }.reduce(0, +)
                for index in indices { expectedX[index] = expectedY[index] * (Double(gs[index]) - dot) }
            }
        }
        let worstY = zip(y.scalars, expectedY).map { abs(Double($0) - $1) }.max() ?? 0
        let worstX = zip(x.gradient?.scalars ?? [], expectedX).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worstY < 1e-6, "values: largest error \(worstY)")
        #expect(worstX < 1e-5, "gradient: largest error \(worstX)")
        #expect(y.scalars.allSatisfy { $0.isFinite && $0 >= 0 })
    }
}

/// softmaxWeightedSum across many blocks and both cores (2×16×33×31 positions, not a
/// multiple of a block), with branches far apart (some shares below e⁻⁸⁷), against its
/// definition in Double: out = Σ pₖvₖ, ∂/∂vⱼ = g·pⱼ·(1 + vⱼ − out).
@Suite struct SoftmaxWeightedSumTests {
    @Test func valuesAndGradientsMatchTheDefinition() {
        var generator = SeededGenerator(seed: 5)
        let shape = [2, 16, 33, 31]
        let branches = (0..<3).map { k in (Tensor.randomNormal(shape, using: &generator) * Tensor(Float(20 + 20 * k))).requiringGradient() }
        let g = Tensor.randomNormal(shape, using: &generator)
        let y = Tensor.softmaxWeightedSum(branches)
        (y * g).sum().backward()

        let values = branches.map(\.scalars), gs = g.scalars
        var worstY = 0.0, worstGradient = 0.0
        for i in 0..<gs.count {
            let v = values.map { Double($0[i]) }, largest = v.max()!
            let e = v.map { exp($0 - largest) }, total = e.reduce(0, +)
            let p = e.map { $0 / total }
            let out = zip(p, v).map(*).reduce(0, +)
            worstY = max(worstY, abs(Double(y.scalars[i]) - out) / max(1, abs(out)))
            for k in 0..<3 {
                let expected = Double(gs[i]) * p[k] * (1 + v[k] - out)
                worstGradient = max(worstGradient, abs(Double(branches[k].gradient!.scalars[i]) - expected) / max(1, abs(expected)))
            }
        }
        #expect(worstY < 1e-5, "values: largest relative error \(worstY)")
        #expect(worstGradient < 1e-4, "gradients: largest relative error \(worstGradient)")
    }

    @Test func oneBranchIsItself() {
        var generator = SeededGenerator(seed: 6)
        let x = Tensor.randomNormal([3, 4, 5], using: &generator)
        #expect(Tensor.softmaxWeightedSum([x]).scalars == x.scalars)
    }
}
