import LoupeTensor

/// A student that reads images itself and gives features at the teacher's strides 4, 8, 16.
protocol ImageStudent: Module {
    func callAsFunction(_ images: Tensor) -> [Tensor]
}

/// The network of the methods that learn from synthetic defects in two stages (pfadseg,
/// stu-seg): a student that denoises defective images into the teacher's features of the
/// clean ones, and, unless ablated, the segmentation network that reads the discrepancy.
public final class DenoisingSegmentationModel: Module {
    struct LearningRates {
        let student: Float, residual: Float, head: Float
    }

    let student: any ImageStudent
    let segmentation: SegmentationNetwork?
    let learningRates: LearningRates
    let focalGamma: Float
    /// Which map is shown, measured and scored; the weights are the same for every kind.
    enum MapKind: Sendable {
        /// The segmentation network's probabilities (the methods' own).
        case head
        /// The student's summed 1 − cos (`--no-segmentation`, where it is the only one).
        case student
        /// The student's map shown, images scored by the probabilities (`--student-map`):
        /// each part where it reads real defects best.
        case studentScoredByHead
        /// (probabilities + student's map / its range's top) / 2 (`--fused-map`): both on
        /// 0…1, the probabilities decide where the network is sure, the student elsewhere;
        /// images scored by the probabilities, as with `--student-map` (on DeepPCB tiles the
        /// fused map's own top-100 ranked boards 1.4–1.9 points of image AUROC lower).
        case fused
    }

    /// As `DenoisingSegmentationTraining.map(for:)` derives it (the student's without the network).
    let map: MapKind

    init(student: any ImageStudent, segmentation: SegmentationNetwork?, learningRates: LearningRates, focalGamma: Float, map: MapKind) {
        self.student = student
        self.segmentation = segmentation
        self.learningRates = learningRates
        self.focalGamma = focalGamma
        self.map = map
    }

    override public var excludedPropertyNames: Set<String> { ["learningRates", "focalGamma", "map"] }
}

extension DenoisingSegmentationModel: DistillationModel {
    public var readsImages: Bool { true }

    /// Stage 0: the student, on the defective images, against the teacher's features of the
    /// clean ones (Σ mean(1 − cos)). Stage 1: the segmentation network on the frozen
    /// networks' discrepancy, for the good images (mask 0) and the defective ones (terms:
    /// focal, l1): without the good ones, texture AUPRO fell from 47.6 to 32.4.
    public func trainingLoss(_ batch: TrainingBatch) -> TrainingLoss {
        guard let images = batch.images else { preconditionFailure("the student reads images: the training job must pass them") }
        guard batch.stage == 1, let segmentation, let synthetic = batch.synthetic, let defective = synthetic.images else {
            student.train()
            let input = batch.synthetic?.images ?? images
            return TrainingLoss(reverseDistillationLoss(teacher: batch.teacherFeatures, student: student(input)))
        }
        student.eval()
        let teacher = zip(batch.teacherFeatures, synthetic.teacherFeatures).map { Tensor.concatenate([$0, $1], alongAxis: 0) }
        // The frozen student on the good images (as the job computed them when the stage began), then on the defective ones.
        let studentFeatures = withoutGradients {
            guard let good = batch.frozenFeatures else { return student(Tensor.concatenate([images, defective], alongAxis: 0)) }
            return zip(good, student(defective)).map { Tensor.concatenate([$0, $1], alongAxis: 0) }
        }
        let masks = Tensor.concatenate([Tensor.zeros(synthetic.masks.shape), synthetic.masks], alongAxis: 0)
        let (focal, l1) = segmentationLoss(logits: segmentation(discrepancyInput(teacher: teacher, student: studentFeatures)), masks: masks,
                                           gamma: focalGamma)
        return TrainingLoss(focal + l1, terms: [LossTerm("focal", focal.item), LossTerm("l1", l1.item)])
    }

    /// Stage 1 trains the segmentation network on the student frozen in evaluation mode,
    /// whose features of a good image then stay the same: its forward pass at batch 16 was
    /// a third of pfadseg's segmentation step (700 of 2,000 ms), half of it on the good images.
    public func frozenFeatures(forStage stage: Int) -> ((Tensor) -> [Tensor])? {
        guard stage == 1, segmentation != nil else { return nil }
        return { [student] images in
            student.eval()
            return withoutGradients { student(images) }
        }
    }

    /// The map `map` names (the student's alone needs no segmentation pass).
    public func anomalyMaps(images: Tensor, teacherFeatures: [Tensor], height: Int, width: Int) -> Tensor {
        maps(images: images, teacherFeatures: teacherFeatures, height: height, width: width, scoring: false).anomaly
    }

    /// With `--student-map` or `--fused-map`, the map shown beside the probabilities that score the image.
    public func scoringMaps(images: Tensor, teacherFeatures: [Tensor], height: Int, width: Int) -> ScoringMaps {
        maps(images: images, teacherFeatures: teacherFeatures, height: height, width: width, scoring: true)
    }

    private func maps(images: Tensor, teacherFeatures: [Tensor], height: Int, width: Int, scoring: Bool) -> ScoringMaps {
        let studentFeatures = student(images)
        func discrepancy() -> Tensor { FeatureDistanceMap(height: height, width: width).unblurred(teacher: teacherFeatures, student: studentFeatures) }
        func probabilities() -> Tensor {
            guard let segmentation else { preconditionFailure("a map kind that reads probabilities needs the segmentation network") }
            return segmentation(discrepancyInput(teacher: teacherFeatures, student: studentFeatures)).sigmoid()
                .resizedBilinear(height: height, width: width).reshaped([images.shape[0], height, width])
        }
        switch map {
        case .head: return ScoringMaps(anomaly: probabilities())
        case .student: return ScoringMaps(anomaly: discrepancy())
        case .studentScoredByHead: return ScoringMaps(anomaly: discrepancy(), imageScoring: scoring ? probabilities() : nil)
        case .fused:
            let probabilities = probabilities()
            return ScoringMaps(anomaly: (probabilities + discrepancy() * (1 / FeatureDistanceMap.range.upperBound)) * 0.5,
                               imageScoring: scoring ? probabilities : nil)
        }
    }

    /// DeSTSeg's SGD (momentum 0.9, weight decay 10⁻⁴): the student at `student_lr`; then
    /// the segmentation network's residual blocks and head at their own rates.
    public func optimization(forStage stage: Int, configuration: TrainingConfiguration) -> StageOptimization {
        let rule = StageOptimization.Rule.sgd(momentum: 0.9, weightDecay: 1e-4)
        guard stage == 1, let groups = segmentation?.parameterGroups else {
            return StageOptimization(groups: [ParameterGroup(parameters: student.parameters, learningRate: learningRates.student)], rule: rule)
        }
        return StageOptimization(groups: [ParameterGroup(parameters: groups.residual, learningRate: learningRates.residual),
                                          ParameterGroup(parameters: groups.head, learningRate: learningRates.head)], rule: rule)
    }
}
