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
    public private(set) var lowest: Float = 0, highest: Float = 1
    /// "score ≥ threshold" is a defect.
    public private(set) var threshold: Float

    public init(images: [Image], threshold: Float? = nil, binCount: Int = 40) {
        self.images = images
        self.binCount = max(1, binCount)
        self.threshold = 0
        updateRange()
        self.threshold = threshold ?? (lowest + highest) / 2
    }

    private mutating func updateRange() {
        let scores = images.map(\.score)
        lowest = scores.min() ?? 0
        highest = max(scores.max() ?? 1, lowest + .ulpOfOne)
    }

    /// Adds images scored while the console is open (the threshold stays put).
    public mutating func add(_ added: [Image]) {
        images += added
        updateRange()
    }

    public var binWidth: Float { (highest - lowest) / Float(binCount) }

    /// Counts per bin of good and defective images (stacked or overlaid by the view).
    public var histogram: (good: [Int], defect: [Int]) {
        var good = [Int](repeating: 0, count: binCount), defect = good
        for image in images {
            let bin = min(binCount - 1, max(0, Int((image.score - lowest) / binWidth)))
            if image.isDefect { defect[bin] += 1 } else { good[bin] += 1 }
        }
        return (good, defect)
    }

    /// The bin the threshold falls in, for the cursor.
    public var thresholdBin: Int { min(binCount - 1, max(0, Int((threshold - lowest) / binWidth))) }

    /// Confusion counts at the current threshold.
    public var confusion: Confusion {
        BinaryMetrics.confusion(labels: images.map(\.isDefect), scores: images.map(\.score), threshold: threshold)
    }

    /// Moves the threshold by `bins` histogram bins (keys ← →), staying within the scores.
    public mutating func move(bins: Int) {
        threshold = min(highest + binWidth, max(lowest, threshold + Float(bins) * binWidth))
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
