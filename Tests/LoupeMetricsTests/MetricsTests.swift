import Foundation
import LoupeMetrics
import LoupeTensor
import LoupeTestSupport
import Testing

@Suite struct MetricsTests {
    static let fixtures = loadFixture(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/metrics.safetensors").path)

    static var imageLabels: [Bool] { fixtures["image/labels"]!.scalars.map { $0 > 0.5 } }
    static var imageScores: [Float] { fixtures["image/scores"]!.scalars }

    // Hand-computed: scores [0.1 0.4 0.35 0.8] labels [F F T T]: pairs (pos > neg) 3 of 4.
    @Test func aurocByHand() {
        #expect(BinaryMetrics.auroc(labels: [false, false, true, true], scores: [0.1, 0.4, 0.35, 0.8]) == 0.75)
        // A tie between a positive and a negative counts half: (1 + 0.5) / 2.
        #expect(BinaryMetrics.auroc(labels: [false, true, false, true], scores: [0.2, 0.5, 0.5, 0.9]) == 0.875)
        #expect(BinaryMetrics.auroc(labels: [true, true], scores: [0.1, 0.2]) == nil)
    }

    // Descending: 0.8(T) 0.4(F) 0.35(T) 0.1(F): AP = 0.5·1 + 0.5·(2/3).
    @Test func averagePrecisionByHand() throws {
        let ap = try #require(BinaryMetrics.averagePrecision(labels: [false, false, true, true], scores: [0.1, 0.4, 0.35, 0.8]))
        #expect(abs(ap - (0.5 + 0.5 * 2 / 3)) < 1e-12)
    }

    @Test func imageMetricsMatchThePeerWithTies() throws {
        let auroc = try #require(BinaryMetrics.auroc(labels: Self.imageLabels, scores: Self.imageScores))
        let ap = try #require(BinaryMetrics.averagePrecision(labels: Self.imageLabels, scores: Self.imageScores))
        #expect(abs(auroc - Double(Self.fixtures["image/auroc"]!.item)) < 1e-6)
        #expect(abs(ap - Double(Self.fixtures["image/ap"]!.item)) < 1e-6)
    }

    static var regionImages: [RegionOverlap.Image] {
        let masks = fixtures["pixel/masks"]!, maps = fixtures["pixel/maps"]!
        let (count, height, width) = (masks.shape[0], masks.shape[1], masks.shape[2])
        let maskValues = masks.scalars, mapValues = maps.scalars
        return (0..<count).map { i in
            let range = (i * height * width)..<((i + 1) * height * width)
            return RegionOverlap.Image(width: width, height: height, mask: maskValues[range].map { $0 > 0.5 }, map: Array(mapValues[range]))
        }
    }

    @Test func pixelMetricsAndAUPROMatchThePeer() throws {
        let images = Self.regionImages
        let aupro = try #require(RegionOverlap.aupro(images))
        let full = try #require(RegionOverlap.aupro(images, maximumFalsePositiveRate: 1))
        #expect(abs(aupro - Double(Self.fixtures["pixel/aupro"]!.item)) < 1e-6)
        #expect(abs(full - Double(Self.fixtures["pixel/aupro_full"]!.item)) < 1e-6)
        let labels = images.flatMap(\.mask), scores = images.flatMap(\.map)
        #expect(abs(BinaryMetrics.auroc(labels: labels, scores: scores)! - Double(Self.fixtures["pixel/auroc"]!.item)) < 1e-6)
        #expect(abs(BinaryMetrics.averagePrecision(labels: labels, scores: scores)! - Double(Self.fixtures["pixel/ap"]!.item)) < 1e-6)
    }

    @Test func connectedComponentsAreEightConnected() {
        // Two diagonal pixels are one region; a separate pixel is another.
        let mask = [true, false, false,
                    false, true, false,
                    false, false, false,
                    false, false, true]
        #expect(ConnectedComponents.label(mask, width: 3, height: 4).count == 2)
    }

    @Test func perfectMapHasFullAUPRO() throws {
        let mask = (0..<100).map { $0 % 10 < 3 }
        let image = RegionOverlap.Image(width: 10, height: 10, mask: mask, map: mask.map { $0 ? 1 : 0 })
        #expect(abs(try #require(RegionOverlap.aupro([image])) - 1) < 1e-12)
    }

    @Test func bestF1AndConfusionAgree() throws {
        let labels = Self.imageLabels, scores = Self.imageScores
        let best = try #require(BinaryMetrics.bestF1(labels: labels, scores: scores))
        let confusion = BinaryMetrics.confusion(labels: labels, scores: scores, threshold: best.threshold)
        #expect(abs(confusion.f1 - best.f1) < 1e-12)
        // No threshold does better (brute force over every distinct score).
        for threshold in Set(scores) {
            #expect(BinaryMetrics.confusion(labels: labels, scores: scores, threshold: threshold).f1 <= best.f1 + 1e-12)
        }
    }

    @Test func thresholdForTargetFalsePositiveRate() throws {
        let good: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
        // 10 %: at most one good image flagged: t = 1.0.
        #expect(BinaryMetrics.threshold(forFalsePositiveRate: 0.1, goodScores: good) == 1.0)
        #expect(BinaryMetrics.threshold(forFalsePositiveRate: 0.3, goodScores: good) == 0.8)
        let none = try #require(BinaryMetrics.threshold(forFalsePositiveRate: 0, goodScores: good))
        #expect(none > 1.0 && BinaryMetrics.confusion(labels: good.map { _ in false }, scores: good, threshold: none).falsePositives == 0)
    }
}

/// The constant-memory accumulator against the exact metrics.
@Suite struct PixelMetricsAccumulatorTests {
    /// The accumulator binned over `range` against the exact (sorting) AUROC, AP and AUPRO: within 1e-4.
    static func expectAgreement(_ images: [RegionOverlap.Image], range: ClosedRange<Float>,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        var accumulator = PixelMetricsAccumulator(lowerBound: range.lowerBound, upperBound: range.upperBound)
        for image in images { accumulator.add(image) }
        let labels = images.flatMap(\.mask), scores = images.flatMap(\.map)
        #expect(abs(try #require(accumulator.auroc) - BinaryMetrics.auroc(labels: labels, scores: scores)!) < 1e-4, sourceLocation: sourceLocation)
        #expect(abs(try #require(accumulator.averagePrecision) - BinaryMetrics.averagePrecision(labels: labels, scores: scores)!) < 1e-4,
                sourceLocation: sourceLocation)
        #expect(abs(try #require(accumulator.aupro()) - RegionOverlap.aupro(images)!) < 1e-4, sourceLocation: sourceLocation)
    }

    @Test func agreesWithTheExactMetricsToOneInTenThousand() throws {
        let images = MetricsTests.regionImages
        try Self.expectAgreement(images, range: 0...1.5)
    }

    /// Smooth maps with distinct float scores (no ties to help): still within 1e-4.
    @Test func agreesOnSmoothMaps() throws {
        var generator = SeededGenerator(seed: 12)
        var images: [RegionOverlap.Image] = []
        for _ in 0..<6 {
            let (width, height) = (64, 48)
            let cx = Float(generator.next() % 40 + 12), cy = Float(generator.next() % 28 + 10)
            var mask = [Bool](), map = [Float]()
            for y in 0..<height {
                for x in 0..<width {
                    let d = ((Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy)).squareRoot()
                    mask.append(d < 6)
                    map.append(2 * Foundation.exp(-d / 9) + 0.6 * generator.nextUniform())
                }
            }
            images.append(RegionOverlap.Image(width: width, height: height, mask: mask, map: map))
        }
        try Self.expectAgreement(images, range: 0...6)
    }

    /// A segmentation head's probability maps (sigmoid of logits: most pixels near 0, the
    /// defects' near 1) binned over their own range 0…1, as a two-stage run's evaluation
    /// bins them, give the exact metrics to 1e-4.
    @Test func probabilityMapsOnTheirOwnRangeAgreeWithTheExactMetrics() throws {
        var generator = SeededGenerator(seed: 31)
        func normal() -> Float {
            let u = max(generator.nextUniform(), 1e-7), v = generator.nextUniform()
            return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * .pi * v)
        }
        var images: [RegionOverlap.Image] = []
        for _ in 0..<8 {
            let (width, height) = (64, 64)
            let cx = Float(generator.next() % 40 + 12), cy = Float(generator.next() % 40 + 12), radius = Float(generator.next() % 6 + 3)
            var mask = [Bool](), map = [Float]()
            for y in 0..<height {
                for x in 0..<width {
                    let inside = ((Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy)).squareRoot() < radius
                    mask.append(inside)
                    let logit = inside ? 1.5 + 2 * normal() : -5 + 1.5 * normal()
                    map.append(1 / (1 + Foundation.exp(-logit)))
                }
            }
            images.append(RegionOverlap.Image(width: width, height: height, mask: mask, map: map))
        }
        try Self.expectAgreement(images, range: 0...1)
    }
}
