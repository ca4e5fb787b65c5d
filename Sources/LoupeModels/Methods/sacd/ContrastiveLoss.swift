import LoupeTensor

/// Paper 002's intra-model contrastive loss at one scale, inside the synthetic defect only:
/// the anomaly branch's student feature is pulled toward the normal branch's (1 − cos; the
/// normal branch is held fixed, so only the anomaly branch moves) and pushed from the
/// teacher's feature of the defective image (max(0, cos − margin)). Outside the mask nothing
/// is asked. Averaged over the mask's cells; 0 when a batch has none at this scale.
///
/// - Parameter masks: N×1×H×W at input resolution (0 or 1); a cell counts as inside when any
///   of its pixels is (max-pooled to the feature's grid).
public func intraModelContrastiveLoss(anomaly: Tensor, normal: Tensor, teacherOfAnomaly: Tensor, masks: Tensor, margin: Float) -> Tensor {
    let (n, h, w) = (anomaly.shape[0], anomaly.shape[2], anomaly.shape[3])
    invariant(masks.shape[2] % h == 0 && masks.shape[3] % w == 0 && masks.shape[2] / h == masks.shape[3] / w,
              "intraModelContrastiveLoss: masks \(masks.shape) do not cover a \(h)x\(w) grid")
    let cell = masks.shape[2] / h
    let inside = (cell == 1 ? masks : masks.maxPool2d(kernelSize: cell)).reshaped([n, h, w])
    let pull = 1 - anomaly.cosineSimilarity(normal.detached)
    let push = (anomaly.cosineSimilarity(teacherOfAnomaly) - margin).relu()
    let count = max(inside.scalars.reduce(0, +), 1)
    return ((pull + push) * inside).sum() * (1 / count)
}
