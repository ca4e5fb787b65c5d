import LoupeTensor

/// conv3×3 (stride s) → BN → ReLU, as one `Sequential` named like PyTorch's ("0", "1", "2").
func convolutionNormalizationReLU(_ inChannels: Int, _ outChannels: Int, stride: Int, using generator: inout SeededGenerator) -> Sequential {
    Sequential([Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: stride, padding: Padding2D(1), bias: false, using: &generator),
                BatchNorm2d(outChannels), Activation.relu])
}

/// How a block changes resolution: the encoder halves it with a stride-2 3×3 convolution,
/// the student doubles it with a 2×2 stride-2 transposed convolution.
enum ResolutionChange {
    case none, halve, double

    func layer(_ inChannels: Int, _ outChannels: Int, using generator: inout SeededGenerator) -> any Layer {
        switch self {
        case .double:
            return ConvTranspose2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 2, stride: 2, bias: false, using: &generator)
        case .none, .halve:
            return Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: self == .halve ? 2 : 1,
                          padding: Padding2D(1), bias: false, using: &generator)
        }
    }
}

/// The residual block of the bottleneck and the student (ResNet basic or bottleneck
/// form): the resolution changes in conv1 of a basic block and in the middle conv of a
/// bottleneck, with a projection `shortcut` when shape changes. `linearOutput` returns
/// the residual sum without the final ReLU, for the student's signed outputs
/// (EfficientNet-Lite's taps have no activation).
final class DistillationBlock: Module, Layer {
    let conv1: any Layer, bn1: BatchNorm2d
    let conv2: any Layer, bn2: BatchNorm2d
    let conv3: Conv2d?, bn3: BatchNorm2d?
    let shortcut: Sequential?
    var linearOutput = false

    init(inChannels: Int, planes: Int, change: ResolutionChange, bottleneckWidth: Int?, shortcut: Sequential?,
         using generator: inout SeededGenerator) {
        if let width = bottleneckWidth {
            conv1 = Conv2d(inChannels: inChannels, outChannels: width, kernelSize: 1, bias: false, using: &generator)
            bn1 = BatchNorm2d(width)
            conv2 = change.layer(width, width, using: &generator)
            bn2 = BatchNorm2d(width)
            conv3 = Conv2d(inChannels: width, outChannels: planes * 4, kernelSize: 1, bias: false, using: &generator)
            bn3 = BatchNorm2d(planes * 4)
        } else {
            conv1 = change.layer(inChannels, planes, using: &generator)
            bn1 = BatchNorm2d(planes)
            conv2 = Conv2d(inChannels: planes, outChannels: planes, kernelSize: 3, padding: Padding2D(1), bias: false, using: &generator)
            bn2 = BatchNorm2d(planes)
            conv3 = nil
            bn3 = nil
        }
        self.shortcut = shortcut
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var y = bn1(conv1(input), .relu)
        if let conv3, let bn3 {
            y = bn3(conv3(bn2(conv2(y), .relu)))
        } else {
            y = bn2(conv2(y))
        }
        let sum = y + (shortcut?(input) ?? input)
        return linearOutput ? sum : sum.relu()
    }
}

/// The block family of the bottleneck and student: basic blocks for ResNet-18 and
/// EfficientNet-Lite teachers, bottlenecks (width factor 2) for Wide-ResNet-50-2.
enum BlockKind: Sendable {
    case basic
    case bottleneck(baseWidth: Int)

    var expansion: Int { if case .basic = self { return 1 }; return 4 }
    func width(planes: Int) -> Int? { if case let .bottleneck(base) = self { return planes * base / 64 }; return nil }
}

/// A stage of `count` blocks; the first changes resolution (stride 2 down, or 2× up) and
/// has a projection shortcut (1×1-s2 conv + BN down, 2×2-s2 transposed conv + BN up).
func encoderStage(_ kind: BlockKind, inChannels: Int, planes: Int, count: Int, using generator: inout SeededGenerator) -> Sequential {
    let out = planes * kind.expansion
    let shortcut = Sequential([Conv2d(inChannels: inChannels, outChannels: out, kernelSize: 1, stride: 2, bias: false, using: &generator), BatchNorm2d(out)])
    return Sequential(stage(kind, inChannels: inChannels, planes: planes, count: count, change: .halve, shortcut: shortcut, using: &generator))
}

func decoderStage(_ kind: BlockKind, inChannels: Int, planes: Int, count: Int, linearOutput: Bool, using generator: inout SeededGenerator) -> Sequential {
    let out = planes * kind.expansion
    let shortcut = Sequential([ConvTranspose2d(inChannels: inChannels, outChannels: out, kernelSize: 2, stride: 2, bias: false, using: &generator), BatchNorm2d(out)])
    let blocks = stage(kind, inChannels: inChannels, planes: planes, count: count, change: .double, shortcut: shortcut, using: &generator)
    blocks.last!.linearOutput = linearOutput
    return Sequential(blocks)
}

/// The blocks of a stage: the resolution-changing first block with `shortcut`, then
/// `count − 1` blocks at the new resolution (initialised in that order, as the reference).
private func stage(_ kind: BlockKind, inChannels: Int, planes: Int, count: Int, change: ResolutionChange, shortcut: Sequential,
                   using generator: inout SeededGenerator) -> [DistillationBlock] {
    let width = kind.width(planes: planes)
    var blocks = [DistillationBlock(inChannels: inChannels, planes: planes, change: change, bottleneckWidth: width,
                                    shortcut: shortcut, using: &generator)]
    for _ in 1..<max(count, 1) {
        blocks.append(DistillationBlock(inChannels: planes * kind.expansion, planes: planes, change: .none, bottleneckWidth: width,
                                        shortcut: nil, using: &generator))
    }
    return blocks
}
