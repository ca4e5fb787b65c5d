import Foundation
import LoupeData
import LoupeEngine
import LoupeImaging
import LoupeModels
import LoupeTensor
import Testing

/// The on-disk teacher feature cache: reused across runs, identical results, and never
/// trusted when damaged or when the image changed.
@Suite(.serialized) struct FeatureStoreTests {
    typealias Run = ReverseDistillationRunTests

    static func train(_ dataset: Dataset, store: String?, epochs: Int = 1,
                      memoryBudget: Int = TeacherFeatureCache.defaultMemoryBudget) throws -> (run: RunFolder, fromDisk: Int, streamed: Int?) {
        let run = Run.temporaryRun()
        var fromDisk = -1
        var streamed: Int?
        try TrainingJob(run: run, dataset: dataset, configuration: Run.configuration(epochs: epochs, size: 64), teacherWeights: nil,
                        resume: false, featureStoreDirectory: store, memoryBudget: memoryBudget).start(events: { event in
            if case let .cachingTeacherFeatures(done, total, disk) = event, done == total { fromDisk = disk }
            if case let .streamingTeacherFeatures(bytes, _) = event { streamed = bytes }
        })
        return (run, fromDisk, streamed)
    }

    /// Above the memory budget, each step reads its batch from the store: the same weights
    /// bit for bit as with every feature in memory (and the BatchNorm check replays from
    /// the store too), whether the store was empty or full when training began.
    @Test func featuresAboveTheMemoryBudgetStreamFromTheStoreWithTheSameResult() throws {
        guard Run.teacherAvailable else { return }
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-features-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: store) }
        let dataset = try Dataset.mvtec(root: Run.samples + "/texture")
        let inMemory = try Self.train(dataset, store: nil, epochs: 2)
        let coldStream = try Self.train(dataset, store: store, epochs: 2, memoryBudget: 0)
        let warmStream = try Self.train(dataset, store: store, epochs: 2, memoryBudget: 1 << 20)
        defer { for run in [inMemory.run, coldStream.run, warmStream.run] { try? FileManager.default.removeItem(atPath: run.path) } }
        // 60 images at 64²: Lite0's 24, 40 and 112 channels at 16², 8² and 4².
        let bytes = 60 * (24 * 16 * 16 + 40 * 8 * 8 + 112 * 4 * 4) * 4
        #expect(inMemory.streamed == nil && coldStream.streamed == bytes && warmStream.streamed == bytes)
        #expect(coldStream.fromDisk == 0 && warmStream.fromDisk == 60)
        let reference = try Checkpoint.read(inMemory.run.checkpoint)
        for streamed in [coldStream.run, warmStream.run] {
            let checkpoint = try Checkpoint.read(streamed.checkpoint)
            for (name, tensor) in reference.model { #expect(checkpoint.model[name]?.scalars == tensor.scalars, "\(name) differs") }
            for (name, tensor) in reference.optimizer { #expect(checkpoint.optimizer[name]?.scalars == tensor.scalars, "\(name) differs") }
        }
        #expect(MemorySize(parsing: "1.5G")?.bytes == 1_610_612_736 && MemorySize(parsing: "512m")?.bytes == 536_870_912)
        #expect(MemorySize(parsing: "2 apples") == nil && "\(MemorySize(bytes: bytes))" == "\(String(format: "%.1f", Double(bytes) / 1_048_576)) MB")
    }

    @Test func secondRunReadsEveryImageFromTheStoreAndTrainsTheSame() throws {
        guard Run.teacherAvailable else { return }
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-features-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: store) }
        let dataset = try Dataset.mvtec(root: Run.samples + "/texture")
        let memoryOnly = try Self.train(dataset, store: nil)
        let first = try Self.train(dataset, store: store)
        let second = try Self.train(dataset, store: store)
        defer { for run in [memoryOnly.run, first.run, second.run] { try? FileManager.default.removeItem(atPath: run.path) } }
        #expect(first.fromDisk == 0 && second.fromDisk == 60)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store).count == 60)
        let reference = try Data(contentsOf: URL(fileURLWithPath: memoryOnly.run.checkpoint))
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.run.checkpoint)) == reference)
        #expect(try Data(contentsOf: URL(fileURLWithPath: second.run.checkpoint)) == reference)
    }

    @Test func damagedEntriesAndChangedImagesAreRecomputed() throws {
        guard Run.teacherAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-features-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let teacher = try Teacher.pretrained([.efficientNetLite0], weights: nil)
        let preprocessing = Preprocessing(size: 64, normalization: teacher.normalization)
        let store = try FeatureStore(directory: folder, teacher: teacher, preprocessing: preprocessing)
        let image = Run.samples + "/texture/train/good/000.png"
        let entry = try store.entry(forImage: image)
        let features = Self.features(channels: [24, 40, 112], offset: 0)
        try store.save(features, to: entry)
        #expect(store.load(entry)?.map(\.scalars) == features.map(\.scalars))
        // Truncated entry: read as absent.
        let file = URL(fileURLWithPath: entry.files[0])
        try Data(try Data(contentsOf: file).prefix(20)).write(to: file)
        #expect(store.load(entry) == nil)
        // Another image, another size or another teacher: other entries.
        #expect(try store.entry(forImage: Run.samples + "/texture/train/good/001.png").files != entry.files)
        let larger = try FeatureStore(directory: folder, teacher: teacher,
                                      preprocessing: Preprocessing(size: 128, normalization: preprocessing.normalization))
        #expect(try larger.entry(forImage: image).files != entry.files)
        #expect(throws: ImageError.unreadable(path: "/nonexistent.png", reason: "no such file")) { try store.entry(forImage: "/nonexistent.png") }
    }

    /// A two-teacher run stores each backbone's channels under that backbone's own key: a
    /// one-teacher run of either backbone finds its part, and the pair reads back whole.
    @Test func twoTeachersShareEntriesWithEachOnesSingleRuns() throws {
        guard Run.teacherAvailable, (try? BackboneName.efficientNetLite2.defaultWeightsPath()) != nil else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-features-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pair = try Teacher.pretrained([.efficientNetLite0, .efficientNetLite2], weights: nil)
        let lite2 = try Teacher.pretrained([.efficientNetLite2], weights: nil)
        let preprocessing = Preprocessing(size: 64, normalization: pair.normalization)
        let pairStore = try FeatureStore(directory: folder, teacher: pair, preprocessing: preprocessing)
        let lite2Store = try FeatureStore(directory: folder, teacher: lite2, preprocessing: preprocessing)
        let image = Run.samples + "/texture/train/good/000.png"
        #expect(pair.layout.channels == [[24, 40, 112], [24, 48, 120]] && pair.layout.stageChannels == [48, 88, 232])
        let lite0Part = Self.features(channels: [24, 40, 112], offset: 0), lite2Part = Self.features(channels: [24, 48, 120], offset: 1000)
        let whole = (0..<3).map { Tensor.concatenate([lite0Part[$0], lite2Part[$0]], alongAxis: 1) }
        try pairStore.save(whole, to: try pairStore.entry(forImage: image))
        #expect(try lite2Store.entry(forImage: image).files == [try pairStore.entry(forImage: image).files[1]])
        #expect(lite2Store.load(try lite2Store.entry(forImage: image))?.map(\.scalars) == lite2Part.map(\.scalars))
        #expect(pairStore.load(try pairStore.entry(forImage: image))?.map(\.scalars) == whole.map(\.scalars))
    }

    private static func features(channels: [Int], offset: Int) -> [Tensor] {
        channels.enumerated().map { scale, count in
            let side = 4 >> scale
            return Tensor(shape: [1, count, side, side], scalars: (0..<(count * side * side)).map { Float($0 + offset) })
        }
    }
}
