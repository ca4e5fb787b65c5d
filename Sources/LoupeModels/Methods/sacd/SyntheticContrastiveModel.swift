import LoupeTensor

/// sacd's network: RD's bottleneck and reverse student, then a FeaCali module on each of the
/// student's three outputs. Good images and their synthetic-defect twins go through it as
/// one batch (the Siamese branches share every weight, and BatchNorm sees both).
public final class SyntheticContrastiveModel: Module {
    let distillation: ReverseDistillationModel
    let calibrations: [FeatureCalibration]
    let defectiveWeight: Float
    let contrastiveWeight: Float
    let margin: Float
    let usesContrastive: Bool

    init(distillation: ReverseDistillationModel, channels: [Int], calibrates: Bool, defectiveWeight: Float, contrastiveWeight: Float, margin: Float,
         usesContrastive: Bool, using generator: inout SeededGenerator) {
        self.distillation = distillation
        calibrations = calibrates ? channels.map { FeatureCalibration(channels: $0, using: &generator) } : []
        self.defectiveWeight = defectiveWeight
        self.contrastiveWeight = contrastiveWeight
        self.margin = margin
        self.usesContrastive = usesContrastive
        super.init()
    }

    /// The calibrated student features for teacher features (stride 4, 8, 16).
    public func callAsFunction(_ teacherFeatures: [Tensor]) -> [Tensor] {
        let student = distillation(teacherFeatures)
        guard !calibrations.isEmpty else { return student }
        return zip(student, calibrations).map { $1($0) }
    }
}

extension SyntheticContrastiveModel: DistillationModel {
    /// Cross-model distillation on both branches (the student must give the teacher's
    /// features of the *good* image from either), plus the intra-model contrastive loss
    /// inside the defects. Terms (each as weighted into the total): good, defective, contrastive.
    public func trainingLoss(_ batch: TrainingBatch) -> TrainingLoss {
        guard let synthetic = batch.synthetic else {
            return TrainingLoss(reverseDistillationLoss(teacher: batch.teacherFeatures, student: self(batch.teacherFeatures)))
        }
        let n = batch.teacherFeatures[0].shape[0]
        let both = self(zip(batch.teacherFeatures, synthetic.teacherFeatures).map { Tensor.concatenate([$0, $1], alongAxis: 0) })
        let normal = both.map { $0.sliced(alongAxis: 0, 0..<n) }, anomaly = both.map { $0.sliced(alongAxis: 0, n..<(2 * n)) }
        let good = reverseDistillationLoss(teacher: batch.teacherFeatures, student: normal)
        let defective = reverseDistillationLoss(teacher: batch.teacherFeatures, student: anomaly) * defectiveWeight
        var terms = [LossTerm(LossTerm.goodImages, good.item), LossTerm("defective", defective.item)]
        var loss = good + defective
        if usesContrastive {
            let contrastive = normal.indices.map { scale in
                intraModelContrastiveLoss(anomaly: anomaly[scale], normal: normal[scale], teacherOfAnomaly: synthetic.teacherFeatures[scale],
                                          masks: synthetic.masks, margin: margin)
            }.reduce(Tensor(0)) { $0 + $1 } * contrastiveWeight
            terms.append(LossTerm("contrastive", contrastive.item))
            loss = loss + contrastive
        }
        return TrainingLoss(loss, terms: terms)
    }

    public func anomalyMaps(images: Tensor, teacherFeatures: [Tensor], height: Int, width: Int) -> Tensor {
        FeatureDistanceMap(height: height, width: width).unblurred(teacher: teacherFeatures, student: self(teacherFeatures))
    }
}
