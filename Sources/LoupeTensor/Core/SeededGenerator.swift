import Foundation

/// The one random source of the engine: xoshiro256** seeded through SplitMix64, so the
/// same seed gives the same weights, shuffles and augmentations on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = Double(next() >> 11) * (1.0 / Double(1 << 53))
        let u2 = Double(next() >> 11) * (1.0 / Double(1 << 53))
        return Float((-2 * Foundation.log(1 - u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

extension Tensor {
    /// Normally distributed values with the given mean and standard deviation.
    public static func randomNormal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
                                    using generator: inout SeededGenerator) -> Tensor {
        Tensor.build(shape: shape) { out in
            for i in 0..<shape.reduce(1, *) { out[i] = mean + standardDeviation * generator.nextNormal() }
        }
    }

    /// Uniformly distributed values in [lower, upper).
    public static func randomUniform(_ shape: [Int], lower: Float = 0, upper: Float = 1,
                                     using generator: inout SeededGenerator) -> Tensor {
        Tensor.build(shape: shape) { out in
            for i in 0..<shape.reduce(1, *) { out[i] = lower + (upper - lower) * generator.nextUniform() }
        }
    }
}
