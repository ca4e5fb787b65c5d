@testable import LoupeTensor
import Testing

/// The lane sums against Double sums, at lengths with and without a scalar tail.
@Suite struct LaneSumsTests {
    @Test(arguments: [0, 1, 7, 8, 15, 16, 17, 100, 4099])
    func matchDoubleSums(_ count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        let values = Tensor.randomNormal([max(count, 1)], mean: 3, using: &generator).scalars
        let weights = Tensor.randomNormal([max(count, 1)], using: &generator).scalars
        let mean: Float = 2.5
        let sum = values.prefix(count).reduce(0.0) { $0 + Double($1) }
        let squares = values.prefix(count).reduce(0.0) { $0 + (Double($1) - Double(mean)) * (Double($1) - Double(mean)) }
        let weightSum = weights.prefix(count).reduce(0.0) { $0 + Double($1) }
        let products = zip(weights, values).prefix(count).reduce(0.0) { $0 + Double($1.0) * (Double($1.1) - Double(mean)) }
        let dot = zip(weights, values).prefix(count).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        values.withUnsafeBufferPointer { v in
            weights.withUnsafeBufferPointer { w in
                let tolerance = 1e-5 * Double(max(count, 1))
                #expect(abs(Double(LaneSums.sum(v.baseAddress!, count: count)) - sum) <= tolerance)
                #expect(abs(Double(LaneSums.squaredDeviations(v.baseAddress!, count: count, mean: mean)) - squares) <= tolerance)
                let both = LaneSums.weightedDeviations(w.baseAddress!, v.baseAddress!, count: count, mean: mean)
                #expect(abs(Double(both.weights) - weightSum) <= tolerance)
                #expect(abs(Double(both.products) - products) <= tolerance)
                #expect(abs(Double(LaneSums.dot(w.baseAddress!, v.baseAddress!, count: count)) - dot) <= tolerance)
            }
        }
    }
}
