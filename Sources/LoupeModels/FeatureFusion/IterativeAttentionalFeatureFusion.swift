import LoupeTensor

/// iAFF (Dai et al., "Attentional Feature Fusion", WACV 2021, §3.3): attentional fusion run
/// twice, because the first attention only sees the plain sum X + Y; the second reads the
/// first round's fusion and mixes X and Y again: Z₁ = X·w₁ + Y·(1 − w₁) with w₁ = M₁(X + Y),
/// then X·w₂ + Y·(1 − w₂) with w₂ = M₂(Z₁). rd-dual fuses its two teachers with it
/// (paper 001 §3.2).
///
/// The authors' code reuses the first round's global branch in the second; the paper draws
/// two independent MS-CAMs, which is what this is.
final class IterativeAttentionalFeatureFusion: Module {
    let first: MultiScaleChannelAttention
    let second: MultiScaleChannelAttention

    init(channels: Int, reduction: Int = 4, using generator: inout SeededGenerator) {
        first = MultiScaleChannelAttention(channels: channels, reduction: reduction, using: &generator)
        second = MultiScaleChannelAttention(channels: channels, reduction: reduction, using: &generator)
    }

    func callAsFunction(_ x: Tensor, _ y: Tensor) -> Tensor {
        let fused = Tensor.sigmoidBlend(x, y, logits: first.logits(x + y))
        return Tensor.sigmoidBlend(x, y, logits: second.logits(fused))
    }
}
