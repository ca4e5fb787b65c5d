import LoupeMetrics

/// The state behind the Histogram view: the scores of good and defective test images, a
/// threshold the operator moves, and what that threshold means right now.
public struct ThresholdTuning: Sendable {
    public struct Image: Sendable, Equatable {
        public let name: String
        public let score: Float
        public let isDefect: Bool
        /// The test folder it came from ("good", "hole", …).
        public let kind: String
        /// Its ground-truth mask, when it has one.
        public let maskPath: String?

        public init(name: String, score: Float, isDefect: Bool, kind: String? = nil, maskPath: String? = nil) {
            self.name = name
            self.score = score
            self.isDefect = isDefect
            self.kind = kind ?? (isDefect ? "defect" : "good")
            self.maskPath = maskPath
        }
    }

    public private(set) var images: [Image]
    public let binCount: Int
    /// The range the bins cover: the bulk of the scores, or all of them (`showsFullRange`).
    public private(set) var lowest: Float = 0, highest: Float = 1
    /// The lowest and highest score.
    public private(set) var scoreRange: ClosedRange<Float> = 0...1
    /// Bins over every score (key z), rather than over the bulk with an overflow at each end.
    public var showsFullRange = false {
        didSet { updateRange() }
    }
    /// "score ≥ threshold" is a defect.
    public private(set) var threshold: Float

    public init(images: [Image], threshold: Float? = nil, binCount: Int = 40) {
        self.images = images
        self.binCount = max(1, binCount)
        self.threshold = 0
        updateRange()
        self.threshold = threshold ?? (lowest + highest) / 2
    }

    /// The bins span the scores within Tukey's far fences (quartiles ∓ 3 × IQR), so one
    /// outlier cannot squeeze every bar into a corner; the rest fall in the overflows.
    private mutating func updateRange() {
        let scores = images.map(\.score).filter(\.isFinite).sorted()
        scoreRange = (scores.first ?? 0)...max(scores.last ?? 1, (scores.first ?? 0) + .ulpOfOne)
        (lowest, highest) = (scoreRange.lowerBound, scoreRange.upperBound)
        guard !showsFullRange, scores.count >= 8 else { return }
        func quantile(_ q: Float) -> Float {
            let position = q * Float(scores.count - 1)
            let below = Int(position), above = min(scores.count - 1, below + 1)
            return scores[below] + (scores[above] - scores[below]) * (position - Float(below))
        }
        let (q1, q3) = (quantile(0.25), quantile(0.75))
        let spread = max(q3 - q1, (scoreRange.upperBound - scoreRange.lowerBound) * 1e-3)
        lowest = max(scoreRange.lowerBound, scores.first { $0 >= q1 - 3 * spread } ?? q1)
        highest = max(min(scoreRange.upperBound, scores.last { $0 <= q3 + 3 * spread } ?? q3), lowest + .ulpOfOne)
    }

    /// Adds images scored while the console is open (the threshold stays put).
    public mutating func add(_ added: [Image]) {
        images += added
        updateRange()
    }

    public var binWidth: Float { (highest - lowest) / Float(binCount) }

    /// Counts per bin of good and defective images within the shown range (stacked or
    /// overlaid by the view); scores outside it are counted in `overflow`.
    public var histogram: (good: [Int], defect: [Int]) {
        var good = [Int](repeating: 0, count: binCount), defect = good
        for image in images where image.score >= lowest && image.score <= highest {
            let bin = min(binCount - 1, max(0, Int((image.score - lowest) / binWidth)))
            if image.isDefect { defect[bin] += 1 } else { good[bin] += 1 }
        }
        return (good, defect)
    }

    /// Good and defective images scored below and above the shown range.
    public var overflow: (below: (good: Int, defect: Int), above: (good: Int, defect: Int)) {
        func count(_ outside: (Float) -> Bool) -> (good: Int, defect: Int) {
            let images = images.filter { outside($0.score) }
            return (images.filter { !$0.isDefect }.count, images.filter(\.isDefect).count)
        }
        return (count { $0 < lowest }, count { $0 > highest })
    }

    /// The bin the threshold falls in, for the cursor: −1 below the shown range, `binCount` above it.
    public var thresholdBin: Int {
        if threshold < lowest { return -1 }
        if threshold > highest { return binCount }
        return min(binCount - 1, Int((threshold - lowest) / binWidth))
    }

    /// Confusion counts at the current threshold.
    public var confusion: Confusion {
        BinaryMetrics.confusion(labels: images.map(\.isDefect), scores: images.map(\.score), threshold: threshold)
    }

    /// Moves the threshold by `bins` histogram bins (keys ← →) within the shown range; past
    /// its ends, from one outlying score to the next (each step flips one verdict), up to
    /// one bin past the highest score (nothing flagged).
    public mutating func move(bins: Int) {
        for _ in 0..<abs(bins) { step(forward: bins > 0) }
    }

    private mutating func step(forward: Bool) {
        let scores = images.map(\.score).filter(\.isFinite)
        if forward {
            let next = threshold + binWidth
            threshold = next <= highest ? next
                : min(scores.filter { $0 > threshold && $0 > highest }.min() ?? scoreRange.upperBound + binWidth, scoreRange.upperBound + binWidth)
        } else {
            let next = threshold - binWidth
            threshold = next >= lowest ? next
                : max(scores.filter { $0 < threshold && $0 < lowest }.max() ?? scoreRange.lowerBound, scoreRange.lowerBound)
        }
    }

    /// Sets an exact threshold (typed by the operator).
    public mutating func set(_ value: Float) { threshold = value }

    /// Jumps to the threshold with the best F1 on these images, leaving out `excluded`
    /// (images the operator marked as false positives: a re-fit without them).
    public mutating func jumpToBestF1(excluding excluded: Set<String> = []) {
        let kept = images.filter { !excluded.contains($0.name) }
        if let best = BinaryMetrics.bestF1(labels: kept.map(\.isDefect), scores: kept.map(\.score)) { threshold = best.threshold }
    }

    /// Jumps to the lowest threshold that flags at most `rate` of the good images.
    public mutating func jump(toFalsePositiveRate rate: Double) {
        if let value = BinaryMetrics.threshold(forFalsePositiveRate: rate, goodScores: images.filter { !$0.isDefect }.map(\.score)) {
            threshold = value
        }
    }
}
