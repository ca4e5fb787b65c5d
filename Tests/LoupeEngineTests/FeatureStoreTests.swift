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
        let weights = try BackboneName.efficientNetLite0.defaultWeightsPath()
        let preprocessing = Preprocessing(size: 64, normalization: BackboneName.efficientNetLite0.normalization)
        let store = try FeatureStore(directory: folder, teacherWeights: weights, backbone: .efficientNetLite0, preprocessing: preprocessing)
        let image = Run.samples + "/texture/train/good/000.png"
        let entry = try store.entry(forImage: image)
        let features = [Tensor(shape: [1, 2, 2, 2], scalars: (0..<8).map(Float.init))]
        try store.save(features, to: entry)
        #expect(store.load(entry)?.first?.scalars == features[0].scalars)
        // Truncated entry: read as absent.
        try Data(try Data(contentsOf: URL(fileURLWithPath: entry)).prefix(20)).write(to: URL(fileURLWithPath: entry))
        #expect(store.load(entry) == nil)
        // Another image, another size or another teacher: other entries.
        #expect(try store.entry(forImage: Run.samples + "/texture/train/good/001.png") != entry)
        let larger = try FeatureStore(directory: folder, teacherWeights: weights, backbone: .efficientNetLite0,
                                      preprocessing: Preprocessing(size: 128, normalization: preprocessing.normalization))
        #expect(try larger.entry(forImage: image) != entry)
        #expect(throws: RunError.unreadableFile(path: "/nonexistent.png")) { try store.entry(forImage: "/nonexistent.png") }
    }
}
