import LoupeTensor

/// torchvision's ResNet family (ResNet-18/34/50, Wide-ResNet-50-2) with its parameter
/// names, so a torchvision `state_dict` loads as is.
public final class ResNet: Module, Backbone {
    /// The architectures Loupe knows, by torchvision's names.
    public enum Architecture: String, CaseIterable, Sendable {
        case resnet18, resnet34, resnet50, wideResNet50 = "wide_resnet50_2"

        var blockCounts: [Int] {
            switch self {
            case .resnet18: return [2, 2, 2, 2]
            case .resnet34, .resnet50, .wideResNet50: return [3, 4, 6, 3]
            }
        }

        var usesBottleneck: Bool { self == .resnet50 || self == .wideResNet50 }
        /// Width of a bottleneck's inner 3×3 relative to torchvision's 64 (2 for Wide-ResNet).
        var widthFactor: Int { self == .wideResNet50 ? 2 : 1 }
        var expansion: Int { usesBottleneck ? 4 : 1 }
    }

    public let architecture: Architecture
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let layer1: [ResidualBlock], layer2: [ResidualBlock], layer3: [ResidualBlock], layer4: [ResidualBlock]
    let fc: Linear

    public init(_ architecture: Architecture, classCount: Int = 1000, using generator: inout SeededGenerator) {
        self.architecture = architecture
        conv1 = Conv2d(inChannels: 3, outChannels: 64, kernelSize: 7, stride: 2, padding: Padding2D(3), bias: false, using: &generator)
        bn1 = BatchNorm2d(64)
        var inChannels = 64
        func stage(_ planes: Int, _ count: Int, stride: Int) -> [ResidualBlock] {
            (0..<count).map { index in
                let block = ResidualBlock(architecture: architecture, inChannels: inChannels, planes: planes,
                                          stride: index == 0 ? stride : 1, using: &generator)
                inChannels = planes * architecture.expansion
                return block
            }
        }
        let counts = architecture.blockCounts
        layer1 = stage(64, counts[0], stride: 1)
        layer2 = stage(128, counts[1], stride: 2)
        layer3 = stage(256, counts[2], stride: 2)
        layer4 = stage(512, counts[3], stride: 2)
        fc = Linear(inFeatures: 512 * architecture.expansion, outFeatures: classCount, using: &generator)
        super.init()
        // torchvision's initialisation: kaiming_normal_(fan_out, relu) on every conv.
        for (name, parameter) in namedParameters where name.hasSuffix("weight") && parameter.shape.count == 4 {
            parameter.assign(Initialization.kaimingNormal(parameter.shape, fan: .fanOut, using: &generator))
        }
    }

    public var stageChannels: [Int] { [64, 128, 256, 512].map { $0 * architecture.expansion } }
    public var stageNames: [String] { ["layer1", "layer2", "layer3", "layer4"] }

    public func features(_ input: Tensor, stageCount: Int = 4) -> [Tensor] {
        var x = conv1(input, then: bn1, .relu).maxPool2d(kernelSize: 3, stride: 2, padding: 1)
        var outputs: [Tensor] = []
        for stage in [layer1, layer2, layer3, layer4].prefix(stageCount) {
            x = stage.reduce(x) { $1($0) }
            outputs.append(x)
        }
        return outputs
    }

    /// Folds every BatchNorm into the convolution before it (evaluation mode only).
    public func foldBatchNorms() {
        eval()
        conv1.fold(bn1)
        for block in layer1 + layer2 + layer3 + layer4 { block.foldBatchNorms() }
    }

    /// ImageNet logits.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let last = features(input).last!
        return fc(last.globalAveragePool().reshaped([input.shape[0], -1]))
    }
}

/// torchvision's BasicBlock (two 3×3) or Bottleneck (1×1, 3×3 with the stride, 1×1),
/// with a 1×1 + BN `downsample` shortcut when the shape changes.
final class ResidualBlock: Module, Layer {
    let conv1: Conv2d, bn1: BatchNorm2d
    let conv2: Conv2d, bn2: BatchNorm2d
    let conv3: Conv2d?, bn3: BatchNorm2d?
    let downsample: Sequential?

    init(architecture: ResNet.Architecture, inChannels: Int, planes: Int, stride: Int, using generator: inout SeededGenerator) {
        let outChannels = planes * architecture.expansion
        if architecture.usesBottleneck {
            let width = planes * architecture.widthFactor
            conv1 = Conv2d(inChannels: inChannels, outChannels: width, kernelSize: 1, bias: false, using: &generator)
            bn1 = BatchNorm2d(width)
            conv2 = Conv2d(inChannels: width, outChannels: width, kernelSize: 3, stride: stride, padding: Padding2D(1), bias: false, using: &generator)
            bn2 = BatchNorm2d(width)
            conv3 = Conv2d(inChannels: width, outChannels: outChannels, kernelSize: 1, bias: false, using: &generator)
            bn3 = BatchNorm2d(outChannels)
        } else {
            conv1 = Conv2d(inChannels: inChannels, outChannels: planes, kernelSize: 3, stride: stride, padding: Padding2D(1), bias: false, using: &generator)
            bn1 = BatchNorm2d(planes)
            conv2 = Conv2d(inChannels: planes, outChannels: planes, kernelSize: 3, padding: Padding2D(1), bias: false, using: &generator)
            bn2 = BatchNorm2d(planes)
            conv3 = nil
            bn3 = nil
        }
        downsample = stride != 1 || inChannels != outChannels
            ? Sequential([Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, stride: stride, bias: false, using: &generator),
                          BatchNorm2d(outChannels)])
            : nil
    }

    func foldBatchNorms() {
        conv1.fold(bn1)
        conv2.fold(bn2)
        if let conv3, let bn3 { conv3.fold(bn3) }
        if let downsample, let conv = downsample.layers[0] as? Conv2d, let norm = downsample.layers[1] as? BatchNorm2d { conv.fold(norm) }
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var y = conv1(input, then: bn1, .relu)
        if let conv3, let bn3 {
            y = bn3(conv3(conv2(y, then: bn2, .relu)))
        } else {
            y = bn2(conv2(y))
        }
        return (y + (downsample?(input) ?? input)).relu()
    }
}
