import LoupeTensor
import Testing

/// Products large enough to be split over the cores, against a plain triple loop in Double.
@Suite struct MatrixMultiplyTests {
    static func reference(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
                c[i * n + j] = Float(sum)
            }
        }
        return c
    }

    // Wide (split by columns), tall (split by rows), and sizes not multiples of 16; short
    // inner sizes (the packing-free kernel) split by columns and by rows, A transposed in
    // the gradients.
    @Test(arguments: [(64, 300, 200), (520, 96, 40), (33, 257, 301), (300, 250, 17), (40, 24, 3000), (3000, 20, 30)])
    func splitProductsMatchTheReference(m: Int, k: Int, n: Int) {
        var generator = SeededGenerator(seed: UInt64(m * 7 + n))
        let a = Tensor.randomNormal([m, k], using: &generator), b = Tensor.randomNormal([k, n], using: &generator)
        let expected = Self.reference(a.scalars, b.scalars, m: m, k: k, n: n)
        let product = a.matmul(b).scalars
        let worst = zip(product, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-3, "largest error \(worst)")
        // The transposed forms the gradients use go through the same split.
        let gradients = Self.withGradients(a, b) { x, y in x.matmul(y).sum() }
        let rowSums = (0..<k).map { p in (0..<n).reduce(Float(0)) { $0 + b.scalars[p * n + $1] } }
        let expectedLeft = (0..<(m * k)).map { rowSums[$0 % k] }
        #expect(zip(gradients.0.scalars, expectedLeft).allSatisfy { abs($0 - $1) < 1e-3 })
        let columnSums = (0..<k).map { p in (0..<m).reduce(Float(0)) { $0 + a.scalars[$1 * k + p] } }
        let expectedRight = (0..<(k * n)).map { columnSums[$0 / n] }
        #expect(zip(gradients.1.scalars, expectedRight).allSatisfy { abs($0 - $1) < 1e-3 })
    }

    /// Products running at once on several threads (as the engine's parallel loops call
    /// them, each split again over the workers) give the same bits as one at a time:
    /// OpenBLAS called concurrently has handed out shared buffers wrongly in the past.
    @Test func concurrentProductsAreBitIdentical() {
        let shapes = [(24, 216, 2048), (40, 360, 512), (112, 1008, 128), (224, 3024, 32)]
        var generator = SeededGenerator(seed: 11)
        let operands = shapes.map { m, k, n in (Tensor.randomNormal([m, k], using: &generator), Tensor.randomNormal([k, n], using: &generator)) }
        let expected = operands.map { $0.0.matmul($0.1).scalars }
        let mismatches = UnsafeMutableBufferPointer<Int>.allocate(capacity: shapes.count)
        mismatches.initialize(repeating: 0)
        defer { mismatches.deallocate() }
        Parallel.forEach(shapes.count) { index in
            for _ in 0..<40 where operands[index].0.matmul(operands[index].1).scalars != expected[index] {
                mismatches[index] += 1
            }
        }
        #expect(Array(mismatches) == [0, 0, 0, 0])
    }

    static func withGradients(_ a: Tensor, _ b: Tensor, _ f: (Tensor, Tensor) -> Tensor) -> (Tensor, Tensor) {
        let x = a.requiringGradient(), y = b.requiringGradient()
        f(x, y).backward()
        return (x.gradient!, y.gradient!)
    }
}
