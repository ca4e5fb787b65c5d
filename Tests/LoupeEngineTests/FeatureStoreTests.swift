import Foundation
import LoupeData
import LoupeEngine
import LoupeModels
import LoupeTensor
import Testing

/// The on-disk teacher feature cache: reused across runs, identical results, and never
/// trusted when damaged or when the image changed.
@Suite(.serialized) struct FeatureStoreTests {
    typealias Run = ReverseDistillationRunTests

    static func train(_ dataset: Dataset, store: String?) throws -> (run: RunFolder, fromDisk: Int) {
        let run = Run.temporaryRun()
        var fromDisk = -1
        try TrainingJob(run: run, dataset: dataset, configuration: Run.configuration(epochs: 1, size: 64), teacherWeights: nil,
                        resume: false, featureStoreDirectory: store).start(events: { event in
            if case let .cachingTeacherFeatures(done, total, disk) = event, done == total { fromDisk = disk }
        })
        return (run, fromDisk)
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
        #expect(throws: RunError.unreadableFile(path: "/nonexistent.png")) { try store.entry(forImage: "/nonexistent.png") }
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
