import Foundation
import LoupeData
import LoupeEngine
import LoupeModels
import Testing

/// A run records the teacher weights it was trained with (paths, sizes, content hashes) and
/// scores with those files; a changed file is refused by name instead of scoring silently
/// with another teacher.
@Suite(.serialized) struct TeacherRecordTests {
    typealias Run = ReverseDistillationRunTests

    @Test func runScoresWithItsRecordedTeacherAndRefusesAChangedOne() throws {
        guard Run.teacherAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-teacher-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let copy = folder + "/my-lite0.pth"
        try FileManager.default.copyItem(atPath: try BackboneName.efficientNetLite0.defaultWeightsPath(), toPath: copy)
        let run = RunFolder(folder + "/run")
        try TrainingJob(run: run, dataset: Dataset.mvtec(root: Run.samples + "/texture"), configuration: Run.configuration(epochs: 1, size: 64),
                        teacherWeights: [copy], resume: false).start()
        let checkpoint = try Checkpoint.read(run.checkpoint)
        #expect(checkpoint.metadata.teacherWeightsPaths == [copy])
        #expect(checkpoint.metadata.teacherWeights.hasPrefix("my-lite0.pth (") && checkpoint.metadata.teacherWeights.contains("content "))
        let config = try String(contentsOfFile: run.configuration, encoding: .utf8)
        #expect(config.contains("teacher_weights = \"\(copy)\"") && config.contains("# efficientnet-lite0: my-lite0.pth ("))
        _ = try Scorer(checkpoint: checkpoint, path: run.checkpoint)

        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        #expect {
            try Scorer(checkpoint: checkpoint, path: run.checkpoint)
        } throws: { error in
            guard case let RunError.teacherChanged(path, recorded, found)? = error as? RunError else { return false }
            return path == run.checkpoint && recorded == checkpoint.metadata.teacherWeights && found.contains("my-lite0.pth")
        }
        #expect(throws: RunError.self) { try EvaluationJob(run: run).start() }
    }
}
