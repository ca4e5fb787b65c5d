import Foundation
import LoupeMetrics
import LoupeTensor
import Testing

/// IAP, IAP@90 and mIoU against hand-computed values and a brute-force count.
@Suite struct InstancePrecisionTests {
    // Regions {0,1} (scores 0.9, 0.3: both must be ≥ t, so found at 0.3) and {4} (0.5).
    // Descending: 0.9 T (R 0, P 1) · 0.8 F (R 0, P 1/2) · 0.5 T (R 1/2, P 2/3) · 0.3 T (R 1, P 3/4).
    static let line = RegionOverlap.Image(width: 7, height: 1, mask: [true, true, false, false, true, false, false],
                                          map: [0.9, 0.3, 0.8, 0.1, 0.5, 0.2, 0.05])

    @Test func byHand() throws {
        let result = try #require(InstancePrecision.evaluate([Self.line]))
        #expect(abs(result.averagePrecision - 17.0 / 24) < 1e-12)
        #expect(abs(result.precisionAtRecall - 3.0 / 4) < 1e-12)
        #expect(abs(try #require(InstancePrecision.evaluate([Self.line], recall: 0.5)).precisionAtRecall - 2.0 / 3) < 1e-12)
    }

    @Test func overHalfOfTheRegionMustBePositive() {
        #expect(InstancePrecision.detectionScore(ofRegion: [0.1, 0.5, 0.3]) == 0.3)
        #expect(InstancePrecision.detectionScore(ofRegion: [0.9, 0.3]) == 0.3)
        #expect(InstancePrecision.detectionScore(ofRegion: [0.7]) == 0.7)
    }

    @Test func noRegionsMeansNoValue() {
        let clean = RegionOverlap.Image(width: 2, height: 1, mask: [false, false], map: [0.1, 0.2])
        #expect(InstancePrecision.evaluate([clean]) == nil)
    }

    /// Recounts, for every distinct threshold, each region's positive pixels and all pixels.
    static func bruteForce(_ images: [RegionOverlap.Image], recall target: Double) -> InstancePrecision.Result {
        var regions: [[Float]] = []
        for image in images {
            let (labels, count) = ConnectedComponents.label(image.mask, width: image.width, height: image.height)
            var perRegion = [[Float]](repeating: [], count: count)
            for (label, score) in zip(labels, image.map) where label > 0 { perRegion[label - 1].append(score) }
            regions += perRegion
        }
        let pixels = images.flatMap { zip($0.mask, $0.map).map { ($0, $1) } }
        var area = 0.0, previous = 0.0
        var atTarget: Double?
        for threshold in Set(pixels.map(\.1)).sorted(by: >) {
            let found = regions.filter { region in 2 * region.filter { $0 >= threshold }.count > region.count }.count
            let predicted = pixels.filter { $0.1 >= threshold }
            let precision = Double(predicted.filter(\.0).count) / Double(predicted.count)
            let recall = Double(found) / Double(regions.count)
            area += (recall - previous) * precision
            previous = recall
            if atTarget == nil && recall >= target { atTarget = precision }
        }
        return InstancePrecision.Result(averagePrecision: area, precisionAtRecall: atTarget ?? 0)
    }

    static func blobs(seed: UInt64, quantized: Bool) -> [RegionOverlap.Image] {
        var generator = SeededGenerator(seed: seed)
        return (0..<4).map { _ in
            let (width, height) = (24, 20)
            let centres = (0..<2).map { _ in (Float(generator.next() % 18 + 3), Float(generator.next() % 14 + 3)) }
            var mask = [Bool](), map = [Float]()
            for y in 0..<height {
                for x in 0..<width {
                    let d = centres.map { ((Float(x) - $0.0) * (Float(x) - $0.0) + (Float(y) - $0.1) * (Float(y) - $0.1)).squareRoot() }.min()!
                    mask.append(d < 3)
                    let value = 2 * Foundation.exp(-d / 4) + 0.8 * generator.nextUniform()
                    map.append(quantized ? (value * 8).rounded() / 8 : value)
                }
            }
            return RegionOverlap.Image(width: width, height: height, mask: mask, map: map)
        }
    }

    @Test(arguments: [false, true]) func matchesTheBruteForceCount(quantized: Bool) throws {
        let images = Self.blobs(seed: 5, quantized: quantized)
        for recall in [0.5, 0.9] {
            let fast = try #require(InstancePrecision.evaluate(images, recall: recall))
            let slow = Self.bruteForce(images, recall: recall)
            #expect(abs(fast.averagePrecision - slow.averagePrecision) < 1e-12)
            #expect(abs(fast.precisionAtRecall - slow.precisionAtRecall) < 1e-12)
        }
    }

    @Test func accumulatorAgreesToOneInTenThousand() throws {
        let images = Self.blobs(seed: 9, quantized: false)
        var accumulator = PixelMetricsAccumulator(lowerBound: 0, upperBound: 6)
        for image in images { accumulator.add(image) }
        let exact = try #require(InstancePrecision.evaluate(images))
        let binned = try #require(accumulator.instancePrecision())
        #expect(abs(binned.averagePrecision - exact.averagePrecision) < 1e-4)
        #expect(abs(binned.precisionAtRecall - exact.precisionAtRecall) < 1e-4)
    }

    // IoU(defect) = 3 / (3 + 1 + 2), IoU(good) = 4 / (4 + 1 + 2).
    @Test func meanIntersectionOverUnionByHand() {
        let confusion = Confusion(truePositives: 3, falsePositives: 1, trueNegatives: 4, falseNegatives: 2)
        #expect(abs(confusion.meanIntersectionOverUnion - (0.5 + 4.0 / 7) / 2) < 1e-12)
        // No defect in truth or prediction: only the good class counts.
        #expect(Confusion(trueNegatives: 5).meanIntersectionOverUnion == 1)
        // Counted from masks: the same counts, each class's IoU on its own.
        let truth = [true, true, true, true, true, false, false, false, false, false]
        let predicted = [true, true, true, false, false, true, false, false, false, false]
        #expect(Confusion(truth: truth, predicted: predicted) == confusion)
        #expect(confusion.positiveIntersectionOverUnion == 0.5 && confusion.negativeIntersectionOverUnion == 4.0 / 7)
        #expect(Confusion(trueNegatives: 5).positiveIntersectionOverUnion == nil)
    }

    @Test func accumulatorConfusionMatchesTheExactCounts() {
        let images = Self.blobs(seed: 3, quantized: true)
        var accumulator = PixelMetricsAccumulator(lowerBound: 0, upperBound: 4, bins: 32)
        for image in images { accumulator.add(image) }
        let labels = images.flatMap(\.mask), scores = images.flatMap(\.map)
        // Thresholds on bin edges (multiples of 1/8) are exact.
        for threshold: Float in [0.5, 1.25, 2] {
            #expect(accumulator.confusion(atThreshold: threshold) == BinaryMetrics.confusion(labels: labels, scores: scores, threshold: threshold))
        }
    }
}
