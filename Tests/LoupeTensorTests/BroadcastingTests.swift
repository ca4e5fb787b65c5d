import LoupeTensor
import Testing

/// Broadcast products and the gradients summed back to the smaller shape, large enough that
/// their runs go over the cores (chunks starting partway through the outer dimensions),
/// against index-by-index loops.
@Suite struct BroadcastingTests {
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.randomNormal(shape, using: &generator)
    }

    /// Flat index of (n, c, y, x) in `shape`, reading broadcast axes (size 1) at 0.
    static func index(_ shape: [Int], _ n: Int, _ c: Int, _ y: Int, _ x: Int) -> Int {
        let (n, c, y, x) = (shape[0] == 1 ? 0 : n, shape[1] == 1 ? 0 : c, shape[2] == 1 ? 0 : y, shape[3] == 1 ? 0 : x)
        return ((n * shape[1] + c) * shape[2] + y) * shape[3] + x
    }

    // A channel-attention scale (runs of whole planes), and a right operand broadcast along
    // two non-adjacent axes (60,000 runs of 9).
    @Test(arguments: [([8, 32, 64, 64], [8, 32, 1, 1]), ([40, 50, 30, 9], [1, 50, 1, 9]), ([40, 50, 30, 9], [40, 50, 1, 1])])
    func productsAndSummedGradientsMatchTheLoops(full: [Int], small: [Int]) {
        let a = Self.random(full, seed: 1).requiringGradient(), s = Self.random(small, seed: 2).requiringGradient()
        let product = a * s
        (product * Self.random(full, seed: 3)).sum().backward()
        let weights = Self.random(full, seed: 3).scalars
        let (av, sv, pv) = (a.scalars, s.scalars, product.scalars)
        var productExact = true, expectedSums = [Double](repeating: 0, count: s.count)
        for n in 0..<full[0] { for c in 0..<full[1] { for y in 0..<full[2] { for x in 0..<full[3] {
            let i = Self.index(full, n, c, y, x), j = Self.index(small, n, c, y, x)
            if pv[i] != av[i] * sv[j] { productExact = false }
            expectedSums[j] += Double(weights[i]) * Double(av[i])
        } } } }
        #expect(productExact, "a · s differs from the value-by-value product")
        // ∂/∂a = weights · s, value by value; ∂/∂s sums weights · a over the broadcast axes.
        let ga = a.gradient!.scalars
        let aExact = (0..<a.count).allSatisfy { i in
            let (n, c, y, x) = (i / (full[1] * full[2] * full[3]), i / (full[2] * full[3]) % full[1], i / full[3] % full[2], i % full[3])
            return ga[i] == weights[i] * sv[Self.index(small, n, c, y, x)]
        }
        #expect(aExact, "∂/∂a differs from weights · s")
        let worst = zip(s.gradient!.scalars, expectedSums).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst < 1e-4, "∂/∂s: largest relative error \(worst)")
    }

    /// The summed gradient is the same bits run after run as over the cores: every value is
    /// one run's sum whichever core makes it.
    @Test func summedGradientIsTheSameEveryTime() {
        let g = Self.random([8, 32, 64, 64], seed: 4)
        let first = g.summed(toShape: [8, 32, 1, 1]).scalars
        for _ in 0..<5 { #expect(g.summed(toShape: [8, 32, 1, 1]).scalars == first) }
        let shared = g.summed(toShape: [1, 32, 1, 1]).scalars
        for _ in 0..<5 { #expect(g.summed(toShape: [1, 32, 1, 1]).scalars == shared) }
    }
}
