import Foundation
import LoupeData
import LoupeFormats
import LoupeImaging
import LoupeMetrics
import LoupeModels
import LoupeTensor

/// One scored test image.
public struct ScoredImage: Sendable, Codable, Equatable {
    public let path: String
    public let kind: String
    public let isDefect: Bool
    public let score: Float
}

/// The metrics `loupe eval` reports (nil where the data cannot define one, e.g. no masks).
public struct EvaluationMetrics: Sendable, Codable, Equatable {
    public var imageAUROC: Double?
    public var pixelAUROC: Double?
    public var aupro: Double?
    public var pixelAveragePrecision: Double?
    /// Instance average precision and pixel precision at 90 % instance recall (paper 003).
    public var instanceAveragePrecision: Double?
    public var instancePrecisionAt90: Double?
    /// Mean IoU (defect, good) of the map thresholded at its F1-optimal pixel threshold.
    public var pixelMeanIoU: Double?
    public var imageF1Max: Double?
    public var f1Threshold: Float?
    public var images: Int
    public var defects: Int
    /// Median time to map one image at batch 1 (teacher, student, map, blur; decoding
    /// excluded), as the reference measures it.
    public var inferenceMillisecondsPerImage: Double?
    /// With a ROI run: frames where it found no part (scored whole); nil without one.
    public var framesWithoutPart: Int?

    enum CodingKeys: String, CodingKey {
        case imageAUROC = "image_auroc", pixelAUROC = "pixel_auroc", aupro = "aupro_0.3", pixelAveragePrecision = "pixel_ap"
        case instanceAveragePrecision = "iap", instancePrecisionAt90 = "iap_90", pixelMeanIoU = "pixel_miou"
        case imageF1Max = "image_f1_max", f1Threshold = "f1_threshold", images, defects
        case inferenceMillisecondsPerImage = "infer_ms_per_image", framesWithoutPart = "frames_without_part"
    }

    /// As synthesised, except that a value JSON cannot hold (NaN or infinite, from scores a
    /// diverged model made) is written as null (`JSONNumber`) instead of failing the whole file.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func put<Value: BinaryFloatingPoint & Encodable & Sendable>(_ value: Value?, _ key: CodingKeys) throws { try c.encodeIfPresent(value.map(JSONNumber.init), forKey: key) }
        try put(imageAUROC, .imageAUROC)
        try put(pixelAUROC, .pixelAUROC)
        try put(aupro, .aupro)
        try put(pixelAveragePrecision, .pixelAveragePrecision)
        try put(instanceAveragePrecision, .instanceAveragePrecision)
        try put(instancePrecisionAt90, .instancePrecisionAt90)
        try put(pixelMeanIoU, .pixelMeanIoU)
        try put(imageF1Max, .imageF1Max)
        try put(f1Threshold, .f1Threshold)
        try c.encode(images, forKey: .images)
        try c.encode(defects, forKey: .defects)
        try put(inferenceMillisecondsPerImage, .inferenceMillisecondsPerImage)
        try c.encodeIfPresent(framesWithoutPart, forKey: .framesWithoutPart)
    }
}

extension Collection where Element == ScoredImage {
    /// What to tell the user when some scores are not numbers (a diverged model's maps):
    /// how many, and the first files by name; nil when every score is finite.
    public var nonFiniteScoreWarning: String? {
        let bad = filter { !$0.score.isFinite }.map(\.path)
        guard !bad.isEmpty else { return nil }
        return NonFiniteScores.warning(bad)
    }
}

/// The one wording for scores that are NaN or infinite, for `eval` and `infer` alike.
public enum NonFiniteScores {
    public static func warning(_ files: [String]) -> String {
        "\(files.count) image\(files.count == 1 ? "" : "s") scored NaN or infinity (the model's maps are not finite: did training diverge?): "
            + files.prefix(5).joined(separator: ", ") + (files.count > 5 ? ", …" : "") + "; written as nan in CSV and null in JSON"
    }
}

/// Scores every test image of a data set with a trained run, and measures how well.
public struct EvaluationJob: Sendable {
    public let run: RunFolder
    public let data: DatasetSource?
    /// Write each map as a 16-bit PNG under `maps/<kind>/<stem>.png`.
    public let savesMaps: Bool
    /// The ROI run the detector was trained with, at another path (nil: as recorded).
    public let regionRun: String?

    public init(run: RunFolder, data: DatasetSource? = nil, savesMaps: Bool = false, regionRun: String? = nil) {
        self.run = run
        self.regionRun = regionRun
        self.data = data
        self.savesMaps = savesMaps
    }

    public func start(progress: (Int, Int) -> Void = { _, _ in }, scored onScored: (ScoredImage) -> Void = { _ in },
                      isCancelled: () -> Bool = { false }) throws -> (images: [ScoredImage], metrics: EvaluationMetrics) {
        guard run.exists else { throw RunError.missingRun(path: run.path) }
        let checkpoint = try Checkpoint.read(run.checkpoint)
        let dataset = try (data ?? checkpoint.metadata.data).open()
        let samples = dataset.testSamples
        guard !samples.isEmpty else { throw RunError.noTestImages(path: dataset.root) }
        let scorer = try Scorer(checkpoint: checkpoint, path: run.checkpoint, regionRun: regionRun)

        let preprocessing = scorer.preprocessing
        let loader = PrefetchingLoader(count: samples.count, prefetch: 8) { index in
            let prepared = try preprocessing.prepare(samples[index].path)
            if let maskPath = samples[index].maskPath { try Preprocessing.checkMaskSize(maskPath, image: samples[index].path) }
            return (prepared, try Preprocessing.mask(samples[index].maskPath, width: prepared.width, height: prepared.height))
        }
        var scored: [ScoredImage] = []
        // Pixel metrics in constant memory, so test sets of any size fit; the bins span the
        // method's map range (probabilities 0…1, summed distances 0…6).
        let mapRange = checkpoint.metadata.configuration.mapRange
        var pixels = PixelMetricsAccumulator(lowerBound: mapRange.lowerBound, upperBound: mapRange.upperBound)
        var timings: [Double] = []
        var withoutPart = 0
        for (index, result) in loader.enumerated() {
            if isCancelled() { throw RunError.cancelled }
            let (prepared, mask) = try result.get()
            if prepared.partMissing { withoutPart += 1 }
            let started = DispatchTime.now().uptimeNanoseconds
            let frame = scorer.score(prepared)
            let values = frame.map
            timings.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
            let sample = samples[index]
            if savesMaps { try saveMap(values, width: prepared.width, height: prepared.height, sample: sample, range: mapRange) }
            scored.append(ScoredImage(path: sample.path, kind: sample.kind, isDefect: !sample.isGood, score: frame.score))
            onScored(scored[scored.count - 1])
            pixels.add(RegionOverlap.Image(width: prepared.width, height: prepared.height, mask: mask, map: values))
            progress(index + 1, samples.count)
        }
        let labels = scored.map(\.isDefect), scores = scored.map(\.score)
        let best = BinaryMetrics.bestF1(labels: labels, scores: scores)
        let instances = pixels.instancePrecision(recall: 0.9)
        let metrics = EvaluationMetrics(
            imageAUROC: BinaryMetrics.auroc(labels: labels, scores: scores),
            pixelAUROC: pixels.auroc,
            aupro: pixels.aupro(),
            pixelAveragePrecision: pixels.averagePrecision,
            instanceAveragePrecision: instances?.averagePrecision, instancePrecisionAt90: instances?.precisionAtRecall,
            pixelMeanIoU: pixels.bestF1Threshold.map { pixels.confusion(atThreshold: $0).meanIntersectionOverUnion },
            imageF1Max: best?.f1, f1Threshold: best?.threshold,
            images: scored.count, defects: labels.filter { $0 }.count,
            inferenceMillisecondsPerImage: timings.isEmpty ? nil : timings.sorted()[timings.count / 2],
            framesWithoutPart: scorer.preprocessing.region == nil ? nil : withoutPart)
        try write(scored, metrics, threshold: checkpoint.metadata.threshold ?? best?.threshold)
        if checkpoint.metadata.threshold == nil, let threshold = best?.threshold, threshold.isFinite {
            // A run's first evaluation gives it a decision threshold (F1-optimal) for `infer`.
            try run.saveThreshold(threshold, checkpoint: checkpoint)
        }
        return (scored, metrics)
    }

    /// 16-bit map PNGs store the value's place in the method's map range, 0…65535
    /// (resolution 1e-4 of a 0…6 map, 1.5e-5 of a probability).
    private func saveMap(_ values: [Float], width: Int, height: Int, sample: Sample, range: ClosedRange<Float>) throws {
        let path = run.savedMap(kind: sample.kind, imagePath: sample.path)
        try RunFolder.createFolder((path as NSString).deletingLastPathComponent)
        let span = range.upperBound - range.lowerBound
        let scaled = values.map { min(max(($0 - range.lowerBound) / span, 0), 1) * 255 }
        try PNG.write(Image(width: width, height: height, channels: 1, pixels: scaled, sourceBitDepth: 16), to: path, bitDepth: 16)
    }

    /// A map `eval --save-maps` wrote for `imagePath`, if it is there and newer than the
    /// training log (older maps belong to an earlier model; saving a threshold rewrites the
    /// checkpoint but not the model, so the log dates it); values back on the map's scale.
    public static func savedMap(of run: RunFolder, kind: String, imagePath: String, range: ClosedRange<Float>) -> (width: Int, height: Int, values: [Float])? {
        let path = run.savedMap(kind: kind, imagePath: imagePath)
        let files = FileManager.default
        guard let saved = (try? files.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
              let trained = ((try? files.attributesOfItem(atPath: run.trainLog)) ?? (try? files.attributesOfItem(atPath: run.checkpoint)))?[.modificationDate] as? Date,
              saved >= trained, let image = try? ImageFile.read(path), image.channels == 1 else { return nil }
        return (image.width, image.height, image.pixels.map { range.lowerBound + $0 / 255 * (range.upperBound - range.lowerBound) })
    }

    private func write(_ images: [ScoredImage], _ metrics: EvaluationMetrics, threshold: Float?) throws {
        let rows = images.map { image in
            ScoresFile.Row(file: image.path, kind: image.kind, isDefect: image.isDefect, score: image.score,
                           verdict: threshold.map { image.score >= $0 ? "defect" : "good" } ?? "")
        }
        try RunFolder.write(ScoresFile.text(rows), to: run.scores)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try RunFolder.write(encoder.encode(metrics), to: run.metrics)
    }
}
