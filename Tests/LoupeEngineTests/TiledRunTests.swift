import Foundation
import LoupeData
import LoupeEngine
import LoupeImaging
import LoupeModels
import LoupeTensor
import Testing

/// Tiled training and inference on the shipped texture set at native resolution.
@Suite(.serialized) struct TiledRunTests {
    typealias Run = ReverseDistillationRunTests

    /// 192² frames in 96-pixel tiles overlapping by 32: tiles start at 0, 64, 128 (the last
    /// reaching 32 mirrored pixels past the edge).
    static let tiling = Tiling(size: 96, overlap: 32)

    /// Every method trains on tiles and scores full frames: rd-mff's transformer filter is
    /// sized for the tile's grid (96-pixel tiles: 6×6), and the stitched maps are native.
    @Test(arguments: MethodRegistry.names) func everyMethodTrainsOnTilesAndScoresFullFrames(method: String) throws {
        guard Run.teacherAvailable else { return }
        let run = Run.temporaryRun()
        defer { try? FileManager.default.removeItem(atPath: run.path) }
        var configuration = Run.configuration(epochs: 2, size: 96)  // two: pfadseg's two stages
        configuration.method = method
        configuration.useDefaultTeachers()
        try TrainingJob(run: run, dataset: Dataset.mvtec(root: Run.samples + "/texture"), configuration: configuration, teacherWeights: nil,
                        resume: false, tiling: Self.tiling, tilesPerImage: 2).start()
        let checkpoint = try Checkpoint.read(run.checkpoint)
        #expect(checkpoint.metadata.method == method && checkpoint.metadata.tiling == Self.tiling)
        let scorer = try Scorer(checkpoint: checkpoint, path: run.checkpoint)
        let prepared = try scorer.preprocessing.prepare(Run.samples + "/texture/test/hole/000.png")
        let map = scorer.anomalyMap(prepared)
        #expect(prepared.width == 192 && prepared.height == 192 && map.count == 192 * 192 && map.allSatisfy(\.isFinite))
    }

    /// stu-seg `--student-map` on tiles: the frame's map is the student's (stitched, blurred),
    /// and its score is the top-100 mean of the segmentation network's stitched map, which
    /// the same weights scored without the setting give as their map.
    @Test func studentMapScoresByTheSegmentationNetworkAndShowsTheStudent() throws {
        guard Run.teacherAvailable else { return }
        let run = Run.temporaryRun()
        defer { try? FileManager.default.removeItem(atPath: run.path) }
        var configuration = Run.configuration(epochs: 2, size: 96)
        configuration.method = "stu-seg"
        configuration.settings = ["student_map": .bool(true), "width": .integer(8)]
        configuration.useDefaultTeachers()
        try TrainingJob(run: run, dataset: Dataset.mvtec(root: Run.samples + "/texture"), configuration: configuration, teacherWeights: nil,
                        resume: false, tiling: Self.tiling, tilesPerImage: 2).start()
        let checkpoint = try Checkpoint.read(run.checkpoint)
        var segmentationOnly = checkpoint
        segmentationOnly.metadata.configuration.settings["student_map"] = .bool(false)
        let hybrid = try Scorer(checkpoint: checkpoint, path: run.checkpoint)
        let plain = try Scorer(checkpoint: segmentationOnly, path: run.checkpoint)
        let prepared = try hybrid.preprocessing.prepare(Run.samples + "/texture/test/hole/000.png")
        let frame = hybrid.score(prepared)
        let probabilities = plain.anomalyMap(prepared)
        #expect(frame.map == hybrid.anomalyMap(prepared) && frame.map.count == 192 * 192)
        #expect(frame.map != probabilities && probabilities.allSatisfy { $0 >= 0 && $0 <= 1 })
        let top = probabilities.sorted(by: >).prefix(100)
        #expect(abs(frame.score - top.reduce(0, +) / 100) < 1e-5, "score \(frame.score)")
        #expect(abs(plain.score(prepared).score - frame.score) < 1e-6)
    }

    @Test func tiledRunFindsDefectsAtFullResolutionAndOnASeam() throws {
        guard Run.teacherAvailable else { return }
        let run = Run.temporaryRun()
        defer { try? FileManager.default.removeItem(atPath: run.path) }
        let dataset = try Dataset.mvtec(root: Run.samples + "/texture")
        var configuration = Run.configuration(epochs: 3, size: 96)
        configuration.seed = 7
        var steps = 0
        try TrainingJob(run: run, dataset: dataset, configuration: configuration, teacherWeights: nil, resume: false,
                        tiling: Self.tiling, tilesPerImage: 4).start(events: { if case .step = $0 { steps += 1 } })
        // 60 images × 4 of their 9 tiles per epoch, batches of 8: 30 steps an epoch.
        #expect(steps == 3 * 30)
        let checkpoint = try Checkpoint.read(run.checkpoint)
        #expect(checkpoint.metadata.tiling == Self.tiling && checkpoint.metadata.tilesPerImage == 4)
        #expect(try String(contentsOfFile: run.configuration, encoding: .utf8).contains("[tiling]\ntile = 96\noverlap = 32"))

        let (_, metrics) = try EvaluationJob(run: run, savesMaps: true).start()
        // Maps and masks at the native 192², not the 64² input.
        let map = try ImageFile.read(run.maps + "/hole/000.png")
        #expect(map.width == 192 && map.height == 192)
        // Three short epochs of 96-pixel tiles: well above chance (0.5), below a full run.
        #expect((metrics.pixelAUROC ?? 0) > 0.7, "pixel AUROC \(String(describing: metrics.pixelAUROC))")

        // A red spot (foreign matter) centred on the seam where the first tile column ends
        // (x = 96, inside the second column's overlap) and between the first two rows.
        let scorer = try Scorer(checkpoint: checkpoint, path: run.checkpoint)
        let clean = try ImageFile.read(Run.samples + "/texture/test/good/000.png").rgb()
        var pixels = clean.pixels
        let (cx, cy, radius) = (96, 80, 6)
        let red: [Float] = [230, 20, 20]
        for channel in 0..<clean.channels {
            for y in (cy - radius)...(cy + radius) {
                for x in (cx - radius)...(cx + radius) where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius {
                    pixels[(channel * clean.height + y) * clean.width + x] = red[channel]
                }
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("seam-\(UUID()).png").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try PNG.write(Image(width: clean.width, height: clean.height, channels: clean.channels, pixels: pixels), to: file)
        let seamMap = scorer.anomalyMap(try scorer.preprocessing.prepare(file))
        let cleanMap = scorer.anomalyMap(try scorer.preprocessing.prepare(Run.samples + "/texture/test/good/000.png"))
        let hottest = seamMap.indices.max { seamMap[$0] < seamMap[$1] }!
        let (hx, hy) = (hottest % 192, hottest / 192)
        #expect(abs(hx - cx) <= 8 && abs(hy - cy) <= 8, "hottest pixel at (\(hx), \(hy)), spot at (\(cx), \(cy))")
        // Found: the image now scores above the clean one it was made from.
        #expect(seamMap.max()! > cleanMap.max()!, "score \(seamMap.max()!) vs clean \(cleanMap.max()!)")
    }
}
