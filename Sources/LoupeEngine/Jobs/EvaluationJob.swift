import Foundation
import LoupeData
import LoupeFormats
import LoupeImaging
import LoupeMetrics
import LoupeModels
import LoupeTensor

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
