import LoupeTensor

/// SPR (spatial pyramid recalibration, as PCAR uses it in paper 003): channel weights from
/// a two-level pyramid of average pools (the whole map, and its 2×2 quadrants: 5 values a
/// channel), through a 1×1-conv bottleneck (5C → max(C/16, 8) → C) and a sigmoid.
final class SpatialPyramidRecalibration: Module {
    let squeeze: Conv2d
    let excite: Conv2d

    init(channels: Int, using generator: inout SeededGenerator) {
        let inner = max(channels / 16, 8)
        squeeze = Conv2d(inChannels: channels * 5, outChannels: inner, kernelSize: 1, using: &generator)
        excite = Conv2d(inChannels: inner, outChannels: channels, kernelSize: 1, using: &generator)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let whole = x.mean(alongAxes: [2, 3], keepingDimensions: true)
        let quadrants = x.adaptiveAveragePool2d(height: 2, width: 2).reshaped([n, c * 4, 1, 1])
        let descriptor = Tensor.concatenate([whole, quadrants], alongAxis: 1)
        return x * excite(squeeze(descriptor).relu()).sigmoid()
    }
}
