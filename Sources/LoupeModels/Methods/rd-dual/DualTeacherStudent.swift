import LoupeTensor

/// The student of paper 001 (§3.3, Figure 2): three stages, each an upsampling residual
/// block then a 1×1 conv + BN + ReLU to the teachers' channels, deepest first. It is
/// deliberately not the teachers' mirror, so it generalises less to anomalies.
final class DualTeacherStudent: Module, StudentDecoder {
    let stages: [Sequential]

    /// - Parameters:
    ///   - channels: the teachers' concatenated channels at strides 4, 8, 16; the code has
    ///     twice the deepest.
    ///   - linearOutput: end each stage without the ReLU (signed teacher features).
    init(channels: [Int], linearOutput: Bool, using generator: inout SeededGenerator) {
        let inputs = [2 * channels[2], channels[2], channels[1]]
        let outputs = [channels[2], channels[1], channels[0]]
        stages = zip(inputs, outputs).map { input, output in
            var layers: [any Layer] = [
                UpsamplingResidualBlock(inChannels: input, outChannels: output, using: &generator),
                Conv2d(inChannels: output, outChannels: output, kernelSize: 1, bias: false, using: &generator), BatchNorm2d(output),
            ]
            if !linearOutput { layers.append(Activation.relu) }
            return Sequential(layers)
        }
    }

    func reconstruct(_ embedding: Tensor) -> [Tensor] {
        let deepest = stages[0](embedding)
        let middle = stages[1](deepest)
        return [stages[2](middle), middle, deepest]
    }
}

/// The student's basic block (paper 001, Figure 2b): a 4×4 transposed conv + BN beside a
/// 3×3 conv + BN + ReLU then a 4×4 transposed conv + BN, both doubling the resolution;
/// summed, then ReLU. The first branch keeps the input's features, the second changes them.
final class UpsamplingResidualBlock: Module, Layer {
    let shortcut: Sequential
    let residual: Sequential

    init(inChannels: Int, outChannels: Int, using generator: inout SeededGenerator) {
        shortcut = Sequential([ConvTranspose2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 4, stride: 2, padding: 1,
                                               bias: false, using: &generator), BatchNorm2d(outChannels)])
        residual = Sequential([Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, padding: Padding2D(1), bias: false, using: &generator),
                               BatchNorm2d(outChannels), Activation.relu,
                               ConvTranspose2d(inChannels: outChannels, outChannels: outChannels, kernelSize: 4, stride: 2, padding: 1,
                                               bias: false, using: &generator), BatchNorm2d(outChannels)])
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        (shortcut(input) + residual(input)).relu()
    }
}
