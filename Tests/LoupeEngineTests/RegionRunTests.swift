import Foundation
import LoupeData
@testable import LoupeEngine
import LoupeImaging
@testable import LoupeModels
import LoupeTensor
import Testing

/// Two-stage inspection end to end: a ROI run is trained from frames and part masks (bad
/// inputs named), a detector trained with it records it, crops every frame, reports frames
/// without a part, keeps maps in frame pixels, and refuses another ROI run.
@Suite(.serialized) struct RegionRunTests {
    typealias Run = ReverseDistillationRunTests

    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-roi-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path + "/images", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path + "/masks", withIntermediateDirectories: true)
        return path
    }

    /// A square part mask (white square on black) of `size`.
    static func mask(size: Int, square: Range<Int>) -> Image {
        var pixels = [Float](repeating: 0, count: size * size)
        for y in square { for x in square { pixels[y * size + x] = 255 } }
        return Image(width: size, height: size, channels: 1, pixels: pixels)
    }

    /// A ROI run whose segmenter says "part" everywhere (`logit` > 0) or nowhere.
    static func craftedRegionRun(at path: String, logit: Float) throws -> RegionRun {
        let run = RegionRun(path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let model = try RegionSegmentationModel.make(backbone: "efficientnet-lite0", weights: nil, seed: 1)
        model.head.weight.assign(Tensor(repeating: 0, shape: model.head.weight.shape))
        model.head.bias?.assign(Tensor(shape: [1], scalars: [logit]))
        try run.write(model: model, metadata: RegionRunMetadata(backbone: "efficientnet-lite0", imageSize: 64, epochs: 1, epoch: 1, batchSize: 1,
                                                                 learningRate: 0.001, seed: 0, teacherWeights: "none"))
        return run
    }

    @Test func regionTrainingNamesBadInputsThenTrainsAndEvaluates() throws {
        guard Run.teacherAvailable else { return }
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for index in 0..<3 {
            try FileManager.default.copyItem(atPath: Run.samples + "/texture/train/good/00\(index).png", toPath: folder + "/images/f\(index).png")
        }
        #expect(throws: RegionError.missingMask(image: folder + "/images/f0.png", masks: folder + "/masks")) {
            try RegionSamples(images: folder + "/images", masks: folder + "/masks")
        }
        try PNG.write(Self.mask(size: 96, square: 10..<50), to: folder + "/masks/f0.png")
        #expect(throws: DatasetError.self) { try RegionSamples(images: folder + "/images", masks: folder + "/masks") }
        for index in 0..<3 { try PNG.write(Self.mask(size: 192, square: (20 * index)..<(20 * index + 90)), to: folder + "/masks/f\(index).png") }
        try PNG.write(Self.mask(size: 192, square: 0..<0), to: folder + "/masks/f2.png")
        let samples = try RegionSamples(images: folder + "/images", masks: folder + "/masks")
        var settings = RegionTrainingJob.Settings()
        (settings.imageSize, settings.epochs, settings.batchSize) = (64, 2, 2)
        #expect(throws: RegionError.emptyMask(path: folder + "/masks/f2.png")) {
            try RegionTrainingJob(run: RegionRun(folder + "/roi"), samples: samples, settings: settings).start()
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/roi"), "a bad mask stops training before the run folder is made")
        try PNG.write(Self.mask(size: 192, square: 50..<150), to: folder + "/masks/f2.png")
        var epochs: [Int] = []
        try RegionTrainingJob(run: RegionRun(folder + "/roi"), samples: samples, settings: settings).start(events: {
            if case let .epochFinished(epoch, loss, _) = $0, loss.isFinite { epochs.append(epoch) }
        })
        #expect(epochs == [1, 2])
        #expect(try RegionRun(folder + "/roi").readMetadata().epoch == 2)
        let evaluation = try RegionEvaluation(segmenter: RegionSegmenter(run: RegionRun(folder + "/roi")), samples: samples)
        #expect(evaluation.frames.count == 3 && evaluation.frames.allSatisfy { (0...1).contains($0.partIoU) && (0...1).contains($0.backgroundIoU) })
        #expect(throws: RegionError.notARegionRun(path: folder + "/nothing")) { try RegionSegmenter(run: RegionRun(folder + "/nothing")) }
    }

    @Test func detectorCropsWithItsRecordedRegionRunAndRefusesAnother() throws {
        guard Run.teacherAvailable else { return }
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let nowhere = try Self.craftedRegionRun(at: folder + "/roi-nowhere", logit: -50)
        let dataset = try Dataset.mvtec(root: Run.samples + "/texture")
        let detector = RunFolder(folder + "/detector")
        try TrainingJob(run: detector, dataset: dataset, configuration: Run.configuration(epochs: 1, size: 64), teacherWeights: nil,
                        resume: false, featureStoreDirectory: nil, regionRun: nowhere.path, regionMargin: 0.2).start()
        let checkpoint = try Checkpoint.read(detector.checkpoint)
        #expect(checkpoint.metadata.region == RegionReference(run: nowhere.path, identity: try nowhere.identity(), margin: 0.2))
        #expect(try String(contentsOfFile: detector.configuration, encoding: .utf8).contains("roi = \"\(nowhere.path)\"\nroi_margin = 0.2"))
        // No part anywhere: every frame is scored whole, at its own 192×192, and counted.
        let (images, metrics) = try EvaluationJob(run: detector, savesMaps: true).start()
        #expect(metrics.framesWithoutPart == images.count && images.count == dataset.testSamples.count)
        let map = try ImageFile.read(detector.maps + "/hole/000.png")
        #expect(map.width == 192 && map.height == 192)

        // A part everywhere: the box is the whole frame, not missing.
        let everywhere = try Self.craftedRegionRun(at: folder + "/roi-everywhere", logit: 50)
        let cropper = RegionCropper(segmenter: try RegionSegmenter(run: everywhere))
        let prepared = try Preprocessing(size: 64, normalization: .efficientNetLite, region: cropper).prepare(Run.samples + "/texture/test/hole/000.png")
        #expect(!prepared.partMissing && prepared.region == RegionCrop(frameWidth: 192, frameHeight: 192, x: 0, y: 0, width: 192, height: 192))
        #expect(prepared.width == 192 && prepared.inputCount == 1)
        // Tiled runs tile the part's box at native resolution; the stitched map goes back into the frame.
        let tiled = try Preprocessing(size: 64, normalization: .efficientNetLite, tiling: Tiling(size: 64, overlap: 16), region: cropper)
            .prepare(Run.samples + "/texture/test/hole/000.png")
        #expect(tiled.grid?.width == 192 && tiled.grid?.height == 192 && tiled.inputCount == 16 && tiled.region?.width == 192)

        // Another ROI run in the recorded one's place, or ROI crops for a whole-frame run: refused.
        #expect(throws: RegionError.self) { try Scorer(checkpoint: checkpoint, path: detector.checkpoint, regionRun: everywhere.path) }
        _ = try Self.craftedRegionRun(at: nowhere.path, logit: -40)
        #expect {
            try Scorer(checkpoint: checkpoint, path: detector.checkpoint)
        } throws: { error in
            guard case let .regionChanged(run, recorded, _)? = error as? RegionError else { return false }
            return run == detector.checkpoint && recorded == checkpoint.metadata.region?.identity
        }
        let plain = RunFolder(folder + "/plain")
        try TrainingJob(run: plain, dataset: dataset, configuration: Run.configuration(epochs: 1, size: 64), teacherWeights: nil, resume: false).start()
        #expect(throws: RegionError.self) { try EvaluationJob(run: plain, regionRun: everywhere.path).start() }
    }
}
