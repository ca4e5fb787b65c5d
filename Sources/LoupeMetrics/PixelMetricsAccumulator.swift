import LoupeTensor

/// Pixel metrics of any number of images in constant memory: each pixel's score falls into
/// one of `bins` equal bins over a known range, and per bin the accumulator keeps the defect
/// and good pixel counts and the region-overlap weight (1 / region area). AUROC, AP and
/// AUPRO then walk the bins as the exact versions walk distinct scores; scores sharing a
/// bin count as tied, which with 2¹⁶ bins moves the results by less than 1e-4 on real maps.
public struct PixelMetricsAccumulator: Sendable {
    public let lowerBound: Float, upperBound: Float
    private var defects: [UInt64]
    private var goods: [UInt64]
    /// Σ 1/area over defect pixels in the bin (divided by the region count at the end).
    private var overlapWeights: [Double]
    private var regionCount = 0
    /// Each region's detection score (`InstancePrecision.detectionScore`): one value per
    /// defect, so memory grows with defects, not pixels.
    private var instanceScores: [Float] = []

    public init(lowerBound: Float, upperBound: Float, bins: Int = 1 << 16) {
        invariant(upperBound > lowerBound && bins > 1, "PixelMetricsAccumulator: empty range \(lowerBound)…\(upperBound) or \(bins) bins")
        self.lowerBound = lowerBound
        self.upperBound = upperBound
        defects = [UInt64](repeating: 0, count: bins)
        goods = [UInt64](repeating: 0, count: bins)
        overlapWeights = [Double](repeating: 0, count: bins)
    }

    private func bin(_ score: Float) -> Int {
        let position = (score - lowerBound) / (upperBound - lowerBound) * Float(defects.count)
        return min(defects.count - 1, max(0, Int(position.isNaN ? 0 : position)))
    }

    /// Adds one image's map and mask.
    public mutating func add(_ image: RegionOverlap.Image) {
        let (labels, count) = ConnectedComponents.label(image.mask, width: image.width, height: image.height)
        var areas = [Int](repeating: 0, count: count + 1)
        for label in labels { areas[label] += 1 }
        for (label, score) in zip(labels, image.map) {
            let b = bin(score)
            if label == 0 {
                goods[b] += 1
            } else {
                defects[b] += 1
                overlapWeights[b] += 1 / Double(areas[label])
            }
        }
        regionCount += count
        instanceScores += InstancePrecision.detectionScores(image)
    }

    private var positives: UInt64 { defects.reduce(0, +) }
    private var negatives: UInt64 { goods.reduce(0, +) }

    /// Pixel AUROC, ties within a bin counted half.
    public var auroc: Double? {
        let (p, n) = (positives, negatives)
        guard p > 0, n > 0 else { return nil }
        var goodsBelow: UInt64 = 0
        var sum = 0.0
        for b in defects.indices {
            sum += Double(defects[b]) * (Double(goodsBelow) + 0.5 * Double(goods[b]))
            goodsBelow += goods[b]
        }
        return sum / (Double(p) * Double(n))
    }

    /// Pixel average precision over the bins, highest first.
    public var averagePrecision: Double? {
        let p = positives
        guard p > 0 else { return nil }
        var truePositives: UInt64 = 0, predicted: UInt64 = 0
        var previousRecall = 0.0, area = 0.0
        for b in defects.indices.reversed() where defects[b] + goods[b] > 0 {
            truePositives += defects[b]
            predicted += defects[b] + goods[b]
            let recall = Double(truePositives) / Double(p)
            area += (recall - previousRecall) * Double(truePositives) / Double(predicted)
            previousRecall = recall
        }
        return area
    }

    /// AUPRO up to `maxFPR`, as `RegionOverlap.aupro`.
    public func aupro(maximumFalsePositiveRate maxFPR: Double = 0.3) -> Double? {
        let n = negatives
        guard regionCount > 0, n > 0 else { return nil }
        var previous = (0.0, 0.0)
        var falsePositives: UInt64 = 0, overlap = 0.0, area = 0.0
        for b in defects.indices.reversed() where defects[b] + goods[b] > 0 {
            falsePositives += goods[b]
            overlap += overlapWeights[b]
            let point = (min(Double(falsePositives) / Double(n), 1), min(overlap / Double(regionCount), 1))
            if point.0 <= maxFPR {
                area += (point.0 - previous.0) * (previous.1 + point.1) / 2
            } else {
                if previous.0 < maxFPR {
                    let y = previous.1 + (point.1 - previous.1) * (maxFPR - previous.0) / (point.0 - previous.0)
                    area += (maxFPR - previous.0) * (previous.1 + y) / 2
                }
                return area / maxFPR
            }
            previous = point
        }
        return area / maxFPR
    }

    /// IAP and precision at instance `recall` (IAP@90), as `InstancePrecision.evaluate`.
    public func instancePrecision(recall: Double = 0.9) -> InstancePrecision.Result? {
        guard !instanceScores.isEmpty else { return nil }
        var instancesPerBin = [Int](repeating: 0, count: defects.count)
        for score in instanceScores { instancesPerBin[bin(score)] += 1 }
        var found = 0
        var truePositives: UInt64 = 0, predicted: UInt64 = 0
        var curve = PrecisionRecallCurve(recallTarget: recall)
        for b in defects.indices.reversed() where defects[b] + goods[b] > 0 {
            truePositives += defects[b]
            predicted += defects[b] + goods[b]
            found += instancesPerBin[b]
            curve.add(recall: Double(found) / Double(instanceScores.count), precision: Double(truePositives) / Double(predicted))
        }
        return curve.result
    }

    /// Pixel confusion counts at `threshold` (pixels in its bin and above are defects).
    public func confusion(atThreshold threshold: Float) -> Confusion {
        let first = bin(threshold)
        let defectsAbove = defects[first...].reduce(0, +), goodsAbove = goods[first...].reduce(0, +)
        return Confusion(truePositives: Int(defectsAbove), falsePositives: Int(goodsAbove),
                         trueNegatives: Int(negatives - goodsAbove), falseNegatives: Int(positives - defectsAbove))
    }

    /// The pixel threshold (a bin's lower edge) with the best F1.
    public var bestF1Threshold: Float? {
        let p = positives
        guard p > 0 else { return nil }
        var truePositives: UInt64 = 0, predicted: UInt64 = 0
        var best = (f1: -1.0, bin: defects.count - 1)
        for b in defects.indices.reversed() where defects[b] + goods[b] > 0 {
            truePositives += defects[b]
            predicted += defects[b] + goods[b]
            let f1 = 2 * Double(truePositives) / Double(predicted + p)
            if f1 > best.f1 { best = (f1, b) }
        }
        return lowerBound + (upperBound - lowerBound) * Float(best.bin) / Float(defects.count)
    }
}
