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
        let quadrants = x.adaptiveAveragePooled(height: 2, width: 2).reshaped([n, c * 4, 1, 1])
        let descriptor = Tensor.concatenate([whole, quadrants], alongAxis: 1)
        return x * excite(squeeze(descriptor).relu()).sigmoid()
    }
}

extension Tensor {
    /// `adaptive_avg_pool2d`: bin i of n covers rows ⌊i·H/n⌋ ..< ⌈(i+1)·H/n⌉ (likewise columns).
    func adaptiveAveragePooled(height bins: Int, width columns: Int) -> Tensor {
        let (h, w) = (shape[2], shape[3])
        let rows = (0..<bins).map { i in
            let band = sliced(alongAxis: 2, (i * h / bins)..<(((i + 1) * h + bins - 1) / bins))
            return Tensor.concatenate((0..<columns).map { j in
                band.sliced(alongAxis: 3, (j * w / columns)..<(((j + 1) * w + columns - 1) / columns)).mean(alongAxes: [2, 3], keepingDimensions: true)
            }, alongAxis: 3)
        }
        return Tensor.concatenate(rows, alongAxis: 2)
    }
}
