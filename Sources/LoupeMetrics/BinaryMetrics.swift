import LoupeTensor
import Foundation

/// Metrics of scores against binary labels (image-level, or pixels flattened).
public enum BinaryMetrics {
    /// Area under the ROC curve: the Mann–Whitney U over positives × negatives, ties counted
    /// half. nil when either class is absent.
    public static func auroc(labels: [Bool], scores: [Float]) -> Double? {
        invariant(labels.count == scores.count, "auroc: \(labels.count) labels for \(scores.count) scores")
        let positives = labels.filter { $0 }.count, negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        // Ascending average ranks (1-based) of each group of equal scores.
        let ranked = RankedScores(scores)
        var rankSum = 0.0
        var below = labels.count  // elements at or below the current group, walking down
        ranked.forEachThreshold { _, group in
            let averageRank = Double(below - group.count + 1 + below) / 2
            for index in group where labels[index] { rankSum += averageRank }
            below -= group.count
        }
        return (rankSum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
    }

    /// Average precision Σ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds (no interpolation).
    public static func averagePrecision(labels: [Bool], scores: [Float]) -> Double? {
        invariant(labels.count == scores.count, "averagePrecision: \(labels.count) labels for \(scores.count) scores")
        let positives = labels.filter { $0 }.count
        guard positives > 0 else { return nil }
        var truePositives = 0, predicted = 0, previousRecall = 0.0, area = 0.0
        RankedScores(scores).forEachThreshold { _, group in
            for index in group where labels[index] { truePositives += 1 }
            predicted += group.count
            let recall = Double(truePositives) / Double(positives)
            area += (recall - previousRecall) * Double(truePositives) / Double(predicted)
            previousRecall = recall
        }
        return area
    }

    /// The best F1 over all thresholds "score ≥ t", and that t.
    public static func bestF1(labels: [Bool], scores: [Float]) -> (f1: Double, threshold: Float)? {
        let positives = labels.filter { $0 }.count
        guard positives > 0 else { return nil }
        var truePositives = 0, predicted = 0
        var best: (f1: Double, threshold: Float) = (0, .infinity)
        RankedScores(scores).forEachThreshold { threshold, group in
            for index in group where labels[index] { truePositives += 1 }
            predicted += group.count
            let f1 = 2 * Double(truePositives) / Double(predicted + positives)
            if f1 > best.f1 { best = (f1, threshold) }
        }
        return best
    }

    /// The lowest threshold t such that at most `rate` of the good (negative) scores are
    /// ≥ t: the operating point for a target false-positive rate on good parts.
    public static func threshold(forFalsePositiveRate rate: Double, goodScores: [Float]) -> Float? {
        guard !goodScores.isEmpty else { return nil }
        let allowed = Int((rate * Double(goodScores.count)).rounded(.down))
        var flagged = 0
        var chosen = Float.infinity
        RankedScores(goodScores).forEachThreshold { threshold, group in
            guard flagged + group.count <= allowed else { return }
            flagged += group.count
            chosen = threshold
        }
        // Just above the highest good score when no good score may be flagged.
        return chosen.isInfinite ? goodScores.max()!.nextUp : chosen
    }

    /// Counts at a threshold ("score ≥ threshold" is a defect).
    public static func confusion(labels: [Bool], scores: [Float], threshold: Float) -> Confusion {
        var result = Confusion()
        for (label, score) in zip(labels, scores) {
            switch (label, score >= threshold) {
            case (true, true): result.truePositives += 1
            case (true, false): result.falseNegatives += 1
            case (false, true): result.falsePositives += 1
            case (false, false): result.trueNegatives += 1
            }
        }
        return result
    }
}

/// Confusion counts and the rates an operator reads off them.
public struct Confusion: Equatable, Sendable, Codable {
    public var truePositives = 0, falsePositives = 0, trueNegatives = 0, falseNegatives = 0

    public init(truePositives: Int = 0, falsePositives: Int = 0, trueNegatives: Int = 0, falseNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    /// The counts of a prediction against the truth, element by element (true: positive).
    public init(truth: [Bool], predicted: [Bool]) {
        for (isPositive, saysPositive) in zip(truth, predicted) {
            switch (isPositive, saysPositive) {
            case (true, true): truePositives += 1
            case (false, true): falsePositives += 1
            case (false, false): trueNegatives += 1
            case (true, false): falseNegatives += 1
            }
        }
    }

    public var truePositiveRate: Double { ratio(truePositives, truePositives + falseNegatives) }
    public var falsePositiveRate: Double { ratio(falsePositives, falsePositives + trueNegatives) }
    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    public var f1: Double { ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }
    /// Mean over the classes (defect, good) of intersection over union, for segmentation
    /// outputs; a class absent from both truth and prediction is left out of the mean.
    public var meanIntersectionOverUnion: Double {
        let present = [positiveIntersectionOverUnion, negativeIntersectionOverUnion].compactMap { $0 }
        guard !present.isEmpty else { return 0 }
        return present.reduce(0, +) / Double(present.count)
    }

    /// Intersection over union of the positive class (defect, part); nil when neither truth
    /// nor prediction has it.
    public var positiveIntersectionOverUnion: Double? {
        let union = truePositives + falsePositives + falseNegatives
        return union > 0 ? Double(truePositives) / Double(union) : nil
    }

    /// Intersection over union of the negative class (good, background); nil when neither has it.
    public var negativeIntersectionOverUnion: Double? {
        let union = trueNegatives + falsePositives + falseNegatives
        return union > 0 ? Double(trueNegatives) / Double(union) : nil
    }

    private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
}
