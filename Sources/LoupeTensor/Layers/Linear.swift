/// `nn.Linear`: y = x·Wᵀ + b with `weight` out×in.
public final class Linear: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter?

    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, using generator: inout SeededGenerator) {
        weight = Parameter(Initialization.kaimingUniformDefault([outFeatures, inFeatures], using: &generator))
        let bound = 1 / Float(inFeatures).squareRoot()
        self.bias = bias ? Parameter(Tensor.randomUniform([outFeatures], lower: -bound, upper: bound, using: &generator)) : nil
    }

    /// Maps N×in to N×out.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        invariant(input.rank == 2 && input.shape[1] == weight.shape[1],
                     "Linear: input \(input.shape) does not match weight \(weight.shape)")
        let product = input.matmul(weight.value.transposed())
        guard let bias else { return product }
        return product + bias.value
    }
}

/// Point-wise layers as modules, for `Sequential`.
public final class Activation: Module, Layer {
    let function: @Sendable (Tensor) -> Tensor

    public init(_ function: @escaping @Sendable (Tensor) -> Tensor) { self.function = function }

    public static var relu: Activation { Activation { $0.relu() } }
    public static var relu6: Activation { Activation { $0.relu6() } }

    public func callAsFunction(_ input: Tensor) -> Tensor { function(input) }
}
