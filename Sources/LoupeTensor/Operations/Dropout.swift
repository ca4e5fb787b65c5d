extension Tensor {
    /// Zeroes each element with `probability` and scales the rest by 1/(1−p) when
    /// `isTraining`; the identity otherwise.
    public func dropout(probability: Float, isTraining: Bool, using generator: inout SeededGenerator) -> Tensor {
        invariant(probability >= 0 && probability < 1, "dropout: probability \(probability) must be in [0, 1)")
        guard isTraining, probability > 0 else { return self }
        let scale = 1 / (1 - probability)
        let mask = Tensor.build(shape: shape) { out in
            for i in 0..<count { out[i] = generator.nextUniform() < probability ? 0 : scale }
        }
        return self * mask
    }
}
