import LoupeTensor

/// AFF (Dai et al., "Attentional Feature Fusion", WACV 2021), which paper 003 puts in place
/// of a residual block's sum: MS-CAM reads X + Y and decides, per channel and pixel, how
/// much of each to keep: 2·X·w + 2·Y·(1 − w) (the authors' code doubles, so equal weights
/// give the plain sum).
///
/// It is an MS-CAM with a two-input call, so its parameters keep the names `local` and
/// `global` that pfadseg's checkpoints and fixtures use.
final class AttentionalFeatureFusion: MultiScaleChannelAttention {
    /// Fuses the residual branch `x` with the shortcut `y`.
    func callAsFunction(_ x: Tensor, _ y: Tensor) -> Tensor {
        Tensor.sigmoidBlend(x, y, logits: logits(x + y)) * 2
    }
}
