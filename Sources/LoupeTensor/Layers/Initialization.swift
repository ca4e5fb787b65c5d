/// Weight initialisation schemes as `torch.nn.init`, drawn from one seeded generator.
public enum Initialization {
    /// Which fan the variance is scaled by.
    public enum Fan: Sendable { case fanIn, fanOut }

    /// (fan in, fan out) of a weight as PyTorch computes them: dimension 1 × receptive
    /// field, and dimension 0 × receptive field.
    public static func fans(of shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        invariant(shape.count >= 2, "Initialization.fans: needs at least 2 dimensions, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// `kaiming_normal_` for ReLU (gain √2) or leaky ReLU with `negativeSlope`.
    public static func kaimingNormal(_ shape: [Int], fan: Fan = .fanIn, negativeSlope: Float = 0,
                                     using generator: inout SeededGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(of: shape)
        let gain = (2 / (1 + negativeSlope * negativeSlope)).squareRoot()
        let std = gain / Float(fan == .fanIn ? fanIn : fanOut).squareRoot()
        return Tensor.randomNormal(shape, standardDeviation: std, using: &generator)
    }

    /// `kaiming_uniform_(a=√5)`: PyTorch's default for conv and linear weights.
    public static func kaimingUniformDefault(_ shape: [Int], using generator: inout SeededGenerator) -> Tensor {
        let bound = 1 / Float(fans(of: shape).fanIn).squareRoot()
        return Tensor.randomUniform(shape, lower: -bound, upper: bound, using: &generator)
    }

    /// `xavier_uniform_` with the given gain.
    public static func xavierUniform(_ shape: [Int], gain: Float = 1, using generator: inout SeededGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(of: shape)
        let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        return Tensor.randomUniform(shape, lower: -bound, upper: bound, using: &generator)
    }

    /// `xavier_normal_` with the given gain.
    public static func xavierNormal(_ shape: [Int], gain: Float = 1, using generator: inout SeededGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(of: shape)
        return Tensor.randomNormal(shape, standardDeviation: gain * (2 / Float(fanIn + fanOut)).squareRoot(), using: &generator)
    }
}
