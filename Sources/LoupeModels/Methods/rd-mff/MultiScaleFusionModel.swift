import LoupeTensor

/// rd-mff's network: feature aggregation and filtering (MFF → transformer filter →
/// residual embedding), then a student that reconstructs the teacher's three scales.
///
/// The paper's teacher is WideResNet-50 at 256² (fusion at 16×16×2048, filtered to
/// 14×14×512); here any teacher's stride-16 grid is filtered at its own size, with the
/// fused width rounded up to a multiple of 8 per head.
public final class MultiScaleFusionModel: Module {
    let fusion: MultiScaleFeatureFusion
    let filter: TransformerFilter?
    let embedding: Sequential
    let student: any StudentDecoder

    init(channels: [Int], architecture: ReverseDistillationArchitecture, gridSize: Int, fusesScales: Bool, filters: Bool,
         mirrorsTeacher: Bool, heads: Int, depth: Int, using generator: inout SeededGenerator) {
        let c3 = channels[2]
        let width = (c3 + 8 * heads - 1) / (8 * heads) * (8 * heads)
        fusion = MultiScaleFeatureFusion(channels: channels, outChannels: width, fusesScales: fusesScales, using: &generator)
        filter = filters ? TransformerFilter(channels: width, gridSize: gridSize, heads: heads, depth: depth, using: &generator) : nil
        let kind = architecture.blocks
        embedding = encoderStage(kind, inChannels: width, planes: 2 * c3 / kind.expansion, count: architecture.embeddingBlocks, using: &generator)
        if mirrorsTeacher {
            student = ReverseStudent(channels: channels, kind: kind, counts: architecture.decoderBlocks,
                                     linearOutput: architecture.linearStudentOutput, using: &generator)
        } else {
            student = ResidualStudent(channels: channels, embeddingChannels: 2 * c3, using: &generator)
        }
        super.init()
        // As RD: kaiming_normal_(fan_out, relu) on every convolution; the transformer keeps
        // PyTorch's own initialisation.
        for (name, parameter) in namedParameters where name.hasSuffix("weight") && parameter.shape.count == 4 {
            parameter.assign(Initialization.kaimingNormal(parameter.shape, fan: .fanOut, using: &generator))
        }
    }

    /// Student features for teacher features (stride 4, 8, 16), in the same order.
    public func callAsFunction(_ teacherFeatures: [Tensor]) -> [Tensor] {
        var fused = fusion(teacherFeatures)
        if let filter { fused = filter(fused) }
        return student.reconstruct(embedding(fused))
    }
}

extension MultiScaleFusionModel: FeatureReconstructingModel {}

/// MFF: the stride-4 and stride-8 scales brought to stride 16 by stride-2 3×3
/// conv-BN-ReLU steps, concatenated with the stride-16 scale, compacted by a 1×1
/// conv-BN-ReLU. Without fusion, only the deepest scale is compacted.
final class MultiScaleFeatureFusion: Module {
    let down1: Sequential?
    let down2: Sequential?
    let compact: Sequential

    init(channels: [Int], outChannels: Int, fusesScales: Bool, using generator: inout SeededGenerator) {
        let (c1, c2, c3) = (channels[0], channels[1], channels[2])
        if fusesScales {
            down1 = Sequential([convolutionNormalizationReLU(c1, c2, stride: 2, using: &generator),
                                convolutionNormalizationReLU(c2, c3, stride: 2, using: &generator)])
            down2 = convolutionNormalizationReLU(c2, c3, stride: 2, using: &generator)
        } else {
            (down1, down2) = (nil, nil)
        }
        let fused = fusesScales ? 3 * c3 : c3
        compact = Sequential([Conv2d(inChannels: fused, outChannels: outChannels, kernelSize: 1, bias: false, using: &generator),
                              BatchNorm2d(outChannels), Activation.relu])
    }

    func callAsFunction(_ features: [Tensor]) -> Tensor {
        guard let down1, let down2 else { return compact(features[2]) }
        return compact(Tensor.concatenate([down1(features[0]), down2(features[1]), features[2]], alongAxis: 1))
    }
}

/// The transformer filter: the fused grid's positions as a sequence (with a learned
/// position embedding, as ViT), through pre-norm encoder layers, back to a grid.
final class TransformerFilter: Module {
    let position: Parameter
    let layers: [TransformerEncoderLayer]

    init(channels: Int, gridSize: Int, heads: Int, depth: Int, using generator: inout SeededGenerator) {
        position = Parameter(Tensor.randomNormal([1, gridSize * gridSize, channels], standardDeviation: 0.02, using: &generator))
        layers = (0..<depth).map { _ in TransformerEncoderLayer(embedding: channels, heads: heads, feedForward: 4 * channels, using: &generator) }
    }

    /// N×C×h×w to N×C×h×w.
    func callAsFunction(_ grid: Tensor) -> Tensor {
        let (batch, channels, height, width) = (grid.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
        invariant(height * width == position.shape[1],
                  "rd-mff: the \(height)×\(width) grid does not match the position embedding of \(position.shape[1]) positions (trained at another size?)")
        var tokens = grid.reshaped([batch, channels, height * width]).permuted([0, 2, 1]) + position.value
        for layer in layers { tokens = layer(tokens) }
        return tokens.permuted([0, 2, 1]).reshaped([batch, channels, height, width])
    }
}
