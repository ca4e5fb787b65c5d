import LoupeTensor

/// MS-CAM (Dai et al., "Attentional Feature Fusion", WACV 2021): channel attention read at
/// two scales, so a channel can matter everywhere (the globally pooled branch) or only at
/// some pixels (the pointwise local branch). Both branches are 1×1 conv → BN → ReLU → 1×1
/// conv → BN with a bottleneck of channels / r; their sum, through a sigmoid, weighs each
/// channel at each pixel. rd-dual weighs each teacher's features with it (paper 001 §3.2),
/// and AFF and iAFF decide with it how to mix two inputs.
class MultiScaleChannelAttention: Module {
    let local: Sequential
    let global: Sequential

    /// - Parameter reduction: r, the bottleneck's channel ratio (at least one channel stays).
    init(channels: Int, reduction: Int = 4, using generator: inout SeededGenerator) {
        let inner = max(channels / reduction, 1)
        func branch(_ generator: inout SeededGenerator) -> Sequential {
            Sequential([Conv2d(inChannels: channels, outChannels: inner, kernelSize: 1, using: &generator), BatchNorm2d(inner), Activation.relu,
                        Conv2d(inChannels: inner, outChannels: channels, kernelSize: 1, using: &generator), BatchNorm2d(channels)])
        }
        local = branch(&generator)
        global = branch(&generator)
    }

    /// The weights in (0, 1), one per channel and pixel of `x`.
    func weights(_ x: Tensor) -> Tensor { logits(x).sigmoid() }

    /// The weights before their sigmoid (what `Tensor.sigmoidBlend` takes).
    func logits(_ x: Tensor) -> Tensor {
        local(x) + global(x.mean(alongAxes: [2, 3], keepingDimensions: true))
    }

    /// `x` weighed by its own attention.
    func callAsFunction(_ x: Tensor) -> Tensor { x * weights(x) }
}
