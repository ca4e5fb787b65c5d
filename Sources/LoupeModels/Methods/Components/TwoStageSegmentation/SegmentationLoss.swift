import LoupeTensor

/// The segmentation network's loss (paper 003 eq. 10–12, as DeSTSeg): focal loss with
/// focusing γ (no class weighting) plus L1 between the probability map and the mask, the
/// mask resized to the logits' size (bilinear, then thresholded at 0.5).
func segmentationLoss(logits: Tensor, masks: Tensor, gamma: Float) -> (focal: Tensor, l1: Tensor) {
    let (h, w) = (logits.shape[2], logits.shape[3])
    let resized = masks.shape[2] == h && masks.shape[3] == w ? masks : masks.resizedBilinear(height: h, width: w)
    let targets = Tensor(shape: resized.shape, scalars: resized.scalars.map { $0 < 0.5 ? 0 : 1 })
    return (Loss.focal(logits: logits, targets: targets, alpha: -1, gamma: gamma), Loss.l1(logits.sigmoid(), targets))
}
