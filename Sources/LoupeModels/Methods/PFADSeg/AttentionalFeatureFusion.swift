import LoupeTensor

/// AFF (Dai et al., "Attentional Feature Fusion", WACV 2021), which paper 003 puts in place
/// of a residual block's sum: a multi-scale channel attention (a pointwise local branch and
/// a globally pooled one, both 1×1 conv → BN → ReLU → 1×1 conv → BN) reads X + Y and
/// decides, per channel and pixel, how much of each to keep: 2·X·w + 2·Y·(1 − w).
final class AttentionalFeatureFusion: Module {
    let local: Sequential
    let global: Sequential

    init(channels: Int, reduction: Int = 4, using generator: inout SeededGenerator) {
        let inner = max(channels / reduction, 1)
        func branch(_ generator: inout SeededGenerator) -> Sequential {
            Sequential([Conv2d(inChannels: channels, outChannels: inner, kernelSize: 1, using: &generator), BatchNorm2d(inner), Activation.relu,
                        Conv2d(inChannels: inner, outChannels: channels, kernelSize: 1, using: &generator), BatchNorm2d(channels)])
        }
        local = branch(&generator)
        global = branch(&generator)
    }

    /// Fuses the residual branch `x` with the shortcut `y`.
    func callAsFunction(_ x: Tensor, _ y: Tensor) -> Tensor {
        let sum = x + y
        let weight = (local(sum) + global(sum.mean(alongAxes: [2, 3], keepingDimensions: true))).sigmoid()
        return (x * weight + y * (1 - weight)) * 2
    }
}
