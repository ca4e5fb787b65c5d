import LoupeTensor

/// Instance average precision (IAP, paper 003 §4): pixel precision against instance recall.
/// An instance is an 8-connected defect region of a mask; it counts as found at threshold t
/// when more than half of its pixels score ≥ t, so one region weighs the same however large.
public enum InstancePrecision {
    /// IAP (Σ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds, highest first) and the pixel precision
    /// at the highest threshold whose instance recall reaches `recall` (IAP@90 for 0.9).
    public struct Result: Equatable, Sendable {
        public let averagePrecision: Double
        public let precisionAtRecall: Double

        public init(averagePrecision: Double, precisionAtRecall: Double) {
            self.averagePrecision = averagePrecision
            self.precisionAtRecall = precisionAtRecall
        }
    }

    /// The highest t at which more than half of a region's scores are ≥ t: the
    /// (⌊n/2⌋+1)-th largest score.
    public static func detectionScore(ofRegion scores: [Float]) -> Float {
        invariant(!scores.isEmpty, "InstancePrecision.detectionScore: empty region")
        return scores.sorted(by: >)[scores.count / 2]
    }

    /// Detection scores of every region of one image.
    public static func detectionScores(_ image: RegionOverlap.Image) -> [Float] {
        let (labels, count) = ConnectedComponents.label(image.mask, width: image.width, height: image.height)
        var regions = [[Float]](repeating: [], count: count + 1)
        for (label, score) in zip(labels, image.map) where label > 0 { regions[label].append(score) }
        return regions.dropFirst().map(detectionScore(ofRegion:))
    }

    /// IAP and precision at `recall` over all images; nil without any defect region.
    public static func evaluate(_ images: [RegionOverlap.Image], recall: Double = 0.9) -> Result? {
        var instances: [Float] = []
        var scores: [Float] = [], labels: [Bool] = []
        for image in images {
            instances += detectionScores(image)
            scores += image.map
            labels += image.mask
        }
        guard !instances.isEmpty else { return nil }
        let sortedInstances = instances.sorted(by: >)
        var found = 0, truePositives = 0, predicted = 0
        var curve = PrecisionRecallCurve(recallTarget: recall)
        RankedScores(scores).forEachThreshold { threshold, group in
            for index in group where labels[index] { truePositives += 1 }
            predicted += group.count
            while found < sortedInstances.count && sortedInstances[found] >= threshold { found += 1 }
            curve.add(recall: Double(found) / Double(sortedInstances.count), precision: Double(truePositives) / Double(predicted))
        }
        return curve.result
    }
}

/// Steps through (recall, precision) points in order of falling threshold.
struct PrecisionRecallCurve {
    let recallTarget: Double
    private var previousRecall = 0.0, area = 0.0
    private var precisionAtTarget: Double?

    init(recallTarget: Double) { self.recallTarget = recallTarget }

    mutating func add(recall: Double, precision: Double) {
        area += (recall - previousRecall) * precision
        previousRecall = recall
        if precisionAtTarget == nil && recall >= recallTarget { precisionAtTarget = precision }
    }

    var result: InstancePrecision.Result {
        InstancePrecision.Result(averagePrecision: area, precisionAtRecall: precisionAtTarget ?? 0)
    }
}
