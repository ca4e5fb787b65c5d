import LoupeTensor

/// conv3×3 (stride s) → BN → ReLU, as one `Sequential` named like PyTorch's ("0", "1", "2").
func convolutionNormalizationReLU(_ inChannels: Int, _ outChannels: Int, stride: Int, using generator: inout SeededGenerator) -> Sequential {
    Sequential([Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: stride, padding: Padding2D(1), bias: false, using: &generator),
                BatchNorm2d(outChannels), Activation.relu])
}

/// The encoder's residual block (ResNet basic or bottleneck), with a projection `shortcut`
/// when it changes resolution or width.
final class EncoderBlock: Module, Layer {
    let conv1: Conv2d, bn1: BatchNorm2d
    let conv2: Conv2d, bn2: BatchNorm2d
    let conv3: Conv2d?, bn3: BatchNorm2d?
    let shortcut: Sequential?

    init(inChannels: Int, planes: Int, stride: Int, bottleneckWidth: Int?, shortcut: Sequential?, using generator: inout SeededGenerator) {
        if let width = bottleneckWidth {
            conv1 = Conv2d(inChannels: inChannels, outChannels: width, kernelSize: 1, bias: false, using: &generator)
            bn1 = BatchNorm2d(width)
            conv2 = Conv2d(inChannels: width, outChannels: width, kernelSize: 3, stride: stride, padding: Padding2D(1), bias: false, using: &generator)
            bn2 = BatchNorm2d(width)
            conv3 = Conv2d(inChannels: width, outChannels: planes * 4, kernelSize: 1, bias: false, using: &generator)
            bn3 = BatchNorm2d(planes * 4)
        } else {
            conv1 = Conv2d(inChannels: inChannels, outChannels: planes, kernelSize: 3, stride: stride, padding: Padding2D(1), bias: false, using: &generator)
            bn1 = BatchNorm2d(planes)
            conv2 = Conv2d(inChannels: planes, outChannels: planes, kernelSize: 3, padding: Padding2D(1), bias: false, using: &generator)
            bn2 = BatchNorm2d(planes)
            conv3 = nil
            bn3 = nil
        }
        self.shortcut = shortcut
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var y = bn1(conv1(input)).relu()
        y = bn2(conv2(y))
        if let conv3, let bn3 { y = bn3(conv3(y.relu())) }
        return (y + (shortcut?(input) ?? input)).relu()
    }
}

/// The student's reverse block: the first block of a stage doubles the resolution with a
/// 2×2 stride-2 transposed convolution (conv1 for basic, the middle one for bottleneck).
/// `linearOutput` returns the residual sum without the final ReLU, for signed teacher
/// features (EfficientNet-Lite's taps have no activation).
final class DecoderBlock: Module, Layer {
    let conv1: any Layer, bn1: BatchNorm2d
    let conv2: any Layer, bn2: BatchNorm2d
    let conv3: Conv2d?, bn3: BatchNorm2d?
    let shortcut: Sequential?
    var linearOutput = false

    init(inChannels: Int, planes: Int, upsample: Bool, bottleneckWidth: Int?, shortcut: Sequential?, using generator: inout SeededGenerator) {
        func resolutionLayer(_ cin: Int, _ cout: Int) -> any Layer {
            upsample ? ConvTranspose2d(inChannels: cin, outChannels: cout, kernelSize: 2, stride: 2, bias: false, using: &generator)
                     : Conv2d(inChannels: cin, outChannels: cout, kernelSize: 3, padding: Padding2D(1), bias: false, using: &generator)
        }
        if let width = bottleneckWidth {
            conv1 = Conv2d(inChannels: inChannels, outChannels: width, kernelSize: 1, bias: false, using: &generator)
            bn1 = BatchNorm2d(width)
            conv2 = resolutionLayer(width, width)
            bn2 = BatchNorm2d(width)
            conv3 = Conv2d(inChannels: width, outChannels: planes * 4, kernelSize: 1, bias: false, using: &generator)
            bn3 = BatchNorm2d(planes * 4)
        } else {
            conv1 = resolutionLayer(inChannels, planes)
            bn1 = BatchNorm2d(planes)
            conv2 = Conv2d(inChannels: planes, outChannels: planes, kernelSize: 3, padding: Padding2D(1), bias: false, using: &generator)
            bn2 = BatchNorm2d(planes)
            conv3 = nil
            bn3 = nil
        }
        self.shortcut = shortcut
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var y = bn1(conv1(input)).relu()
        y = bn2(conv2(y))
        if let conv3, let bn3 { y = bn3(conv3(y.relu())) }
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
    var blocks = [EncoderBlock(inChannels: inChannels, planes: planes, stride: 2, bottleneckWidth: kind.width(planes: planes), shortcut: shortcut, using: &generator)]
    for _ in 1..<max(count, 1) {
        blocks.append(EncoderBlock(inChannels: out, planes: planes, stride: 1, bottleneckWidth: kind.width(planes: planes), shortcut: nil, using: &generator))
    }
    return Sequential(blocks)
}

func decoderStage(_ kind: BlockKind, inChannels: Int, planes: Int, count: Int, linearOutput: Bool, using generator: inout SeededGenerator) -> Sequential {
    let out = planes * kind.expansion
    let shortcut = Sequential([ConvTranspose2d(inChannels: inChannels, outChannels: out, kernelSize: 2, stride: 2, bias: false, using: &generator), BatchNorm2d(out)])
    var blocks = [DecoderBlock(inChannels: inChannels, planes: planes, upsample: true, bottleneckWidth: kind.width(planes: planes), shortcut: shortcut, using: &generator)]
    for _ in 1..<max(count, 1) {
        blocks.append(DecoderBlock(inChannels: out, planes: planes, upsample: false, bottleneckWidth: kind.width(planes: planes), shortcut: nil, using: &generator))
    }
    blocks.last!.linearOutput = linearOutput
    return Sequential(blocks)
}
