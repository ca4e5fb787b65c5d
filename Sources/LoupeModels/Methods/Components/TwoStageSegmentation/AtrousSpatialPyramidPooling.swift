import LoupeTensor

/// ASPP (Chen et al., DeepLabv3), the head DeSTSeg used and paper 003 replaced by RCM:
/// `--no-rcm` brings it back. A 1×1 branch, 3×3 branches dilated 6, 12 and 18, and a
/// globally pooled branch (each conv → BN → ReLU), concatenated and projected back by a
/// 1×1 conv → BN → ReLU, as torchvision's (without its dropout).
final class AtrousSpatialPyramidPooling: Module, Layer {
    static let rates = [6, 12, 18]
    let branches: [Sequential]
    let pooled: Sequential
    let project: Sequential

    init(channels: Int, using generator: inout SeededGenerator) {
        func unit(_ convolution: Conv2d, _ outChannels: Int) -> Sequential { Sequential([convolution, BatchNorm2d(outChannels), Activation.relu]) }
        branches = [unit(Conv2d(inChannels: channels, outChannels: channels, kernelSize: 1, bias: false, using: &generator), channels)]
            + Self.rates.map { rate in
                unit(Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: Padding2D(rate), dilation: rate, bias: false,
                            using: &generator), channels)
            }
        pooled = unit(Conv2d(inChannels: channels, outChannels: channels, kernelSize: 1, bias: false, using: &generator), channels)
        project = unit(Conv2d(inChannels: channels * 5, outChannels: channels, kernelSize: 1, bias: false, using: &generator), channels)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let (h, w) = (x.shape[2], x.shape[3])
        let context = pooled(x.mean(alongAxes: [2, 3], keepingDimensions: true)).resizedBilinear(height: h, width: w)
        return project(Tensor.concatenate(branches.map { $0(x) } + [context], alongAxis: 1))
    }
}
