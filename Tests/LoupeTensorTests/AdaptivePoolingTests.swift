import Foundation
import LoupeTensor
import Testing

/// adaptiveAveragePool2d on planes enough for both cores, bins that overlap (odd sides) and
/// bins that tile (even sides), against PyTorch's rule in Double: bin i of n covers
/// ⌊i·H/n⌋ ..< ⌈(i+1)·H/n⌉, and each input's gradient sums g/area over the bins that hold it.
@Suite struct AdaptivePoolingTests {
    @Test(arguments: [([4, 40, 17, 13], 2, 3), ([2, 64, 32, 32], 2, 2), ([1, 3, 5, 5], 5, 1)])
    func valuesAndGradientMatchTheDefinition(_ shape: [Int], bins: Int, columns: Int) {
        var generator = SeededGenerator(seed: UInt64(shape.reduce(0, +)))
        let x = Tensor.randomNormal(shape, using: &generator).requiringGradient()
        let g = Tensor.randomNormal([shape[0], shape[1], bins, columns], using: &generator)
        let y = x.adaptiveAveragePool2d(height: bins, width: columns)
        (y * g).sum().backward()

        let (height, width) = (shape[2], shape[3]), xs = x.scalars, gs = g.scalars
        func range(_ i: Int, _ n: Int, _ length: Int) -> Range<Int> { (i * length / n)..<(((i + 1) * length + n - 1) / n) }
        var expectedY = [Double](), expectedX = [Double](repeating: 0, count: xs.count)
        for plane in 0..<(shape[0] * shape[1]) {
            for i in 0..<bins {
                for j in 0..<columns {
                    let cells = range(i, bins, height).flatMap { y in range(j, columns, width).map { plane * height * width + y * width + $0 } }
                    expectedY.append(cells.map { Double(xs[$0]) }.reduce(0, +) / Double(cells.count))
                    let share = Double(gs[(plane * bins + i) * columns + j]) / Double(cells.count)
                    for cell in cells { expectedX[cell] += share }
                }
            }
        }
        let worstY = zip(y.scalars, expectedY).map { abs(Double($0) - $1) }.max() ?? .infinity
        let worstX = zip(x.gradient?.scalars ?? [], expectedX).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(y.shape == [shape[0], shape[1], bins, columns])
        #expect(worstY < 1e-5, "values: largest error \(worstY)")
        #expect(worstX < 1e-6, "gradient: largest error \(worstX)")
    }
}
