import Foundation
import LoupeEngine
import LoupeModels
import LoupeTensor
import Testing

/// The Runs view's rows: what a run folder says about itself, read from its checkpoint's
/// header, its log and metrics.json; a run that cannot be read says why.
@Suite struct RunSummaryTests {
    static func folder() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-runs-\(UUID())").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func writeRun(_ path: String, method: String = "rd", epoch: Int, of epochs: Int, threshold: Float? = nil) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var configuration = TrainingConfiguration()
        configuration.method = method
        configuration.epochs = epochs
        var metadata = CheckpointMetadata(configuration: configuration, data: .path("samples/texture"), epoch: epoch, threshold: threshold,
                                          teacherWeights: "w")
        metadata.method = method
        try Checkpoint(model: ["w": .zeros([4])], optimizer: [:], metadata: metadata).write(to: RunFolder(path).checkpoint)
    }

    @Test func runsSayHowFarTheyTrainedAndHowTheyScored() throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.writeRun(root + "/done", epoch: 30, of: 30, threshold: 1.25)
        try #"{"image_auroc": 0.875, "aupro_0.3": 0.5, "images": 48}"#.write(toFile: root + "/done/metrics.json", atomically: true, encoding: .utf8)
        try Self.writeRun(root + "/stopped", method: "sacd", epoch: 4, of: 30)
        try Self.writeRun(root + "/growing", epoch: 4, of: 30)
        try "epoch,step,loss,lr,seconds,terms\n5,1,0.9,0.005,1.0,\n".write(toFile: root + "/growing/train-log.csv", atomically: true, encoding: .utf8)
        try Self.writeRun(root + "/old-log", epoch: 4, of: 30)
        try "epoch,step,loss,lr,seconds,terms\n5,1,0.9,0.005,1.0,\n".write(toFile: root + "/old-log/train-log.csv", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-600)], ofItemAtPath: root + "/old-log/train-log.csv")
        try FileManager.default.createDirectory(atPath: root + "/not-a-run", withIntermediateDirectories: true)

        #expect(RunSummary.folders(in: root).map { ($0 as NSString).lastPathComponent } == ["done", "growing", "old-log", "stopped"])
        let done = RunSummary.read(root + "/done")
        #expect(done.progress == .finished && done.method == "rd" && done.teacher == "efficientnet-lite0" && done.input == "256")
        #expect(done.threshold == 1.25 && done.metrics["image_auroc"] == 0.875 && done.metrics["aupro_0.3"] == 0.5 && done.problem == nil)
        #expect(RunSummary.read(root + "/stopped").progress == .stopped(epoch: 4))
        #expect(RunSummary.read(root + "/stopped").method == "sacd")
        #expect(RunSummary.read(root + "/growing").progress == .training(epoch: 4))
        #expect(RunSummary.read(root + "/old-log").progress == .stopped(epoch: 4))
        // The header alone gives what reading the whole checkpoint gives.
        #expect(try Checkpoint.readMetadata(root + "/done/model.safetensors") == Checkpoint.read(root + "/done/model.safetensors").metadata)
    }

    @Test func unreadableRunsAreRowsWithTheReason() throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/torn", withIntermediateDirectories: true)
        try Data(repeating: 7, count: 5).write(to: URL(fileURLWithPath: root + "/torn/model.safetensors"))
        try Self.writeRun(root + "/foreign", method: "stfpm", epoch: 1, of: 1)
        var newer = CheckpointMetadata(configuration: TrainingConfiguration(), data: .path("data"), epoch: 1, threshold: nil, teacherWeights: "w")
        newer.formatVersion = CheckpointMetadata.currentFormatVersion + 1
        try FileManager.default.createDirectory(atPath: root + "/newer", withIntermediateDirectories: true)
        try Checkpoint(model: ["w": .zeros([1])], optimizer: [:], metadata: newer).write(to: root + "/newer/model.safetensors")
        try FileManager.default.createDirectory(atPath: root + "/only-config", withIntermediateDirectories: true)
        try "method = \"rd\"\n".write(toFile: root + "/only-config/config.toml", atomically: true, encoding: .utf8)

        let problems = Dictionary(uniqueKeysWithValues: RunSummary.folders(in: root).map { path in
            ((path as NSString).lastPathComponent, RunSummary.read(path).problem ?? "")
        })
        #expect(problems["torn"]?.contains("model.safetensors: damaged checkpoint") == true, "\(problems)")
        #expect(problems["foreign"]?.contains("stfpm") == true, "\(problems)")
        #expect(problems["newer"]?.contains("format 2") == true || problems["newer"]?.contains("newer") == true, "\(problems)")
        #expect(problems["only-config"] == "no model.safetensors yet")
    }

    /// The catalog re-reads a run only when one of its files changed.
    @Test func catalogRereadsChangedRunsOnly() throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.writeRun(root + "/a", epoch: 2, of: 3)
        let catalog = RunCatalog(directory: root)
        #expect(catalog.refresh().map(\.progress) == [.stopped(epoch: 2)])
        try Self.writeRun(root + "/a", epoch: 3, of: 3)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: root + "/a/model.safetensors")
        #expect(catalog.refresh().map(\.progress) == [.finished])
        try Self.writeRun(root + "/b", epoch: 1, of: 3)
        #expect(catalog.refresh().map(\.name) == ["a", "b"])
    }
}
