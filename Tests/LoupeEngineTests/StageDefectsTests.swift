import Foundation
import LoupeData
import LoupeEngine
import LoupeModels
import Testing

/// A two-stage method's stages draw their own synthetic defects: the student's shares shape
/// the student's epoch only, the segmentation network's shares the segmentation epoch only.
@Suite struct StageDefectsTests {
    /// Each epoch's step losses of a two-epoch stu-seg run (epoch 1 the student, 2 the segmentation network).
    static func losses(_ settings: [String: SettingValue]) throws -> [Substring: [Substring]] {
        let run = ReverseDistillationRunTests.temporaryRun()
        defer { try? FileManager.default.removeItem(atPath: run.path) }
        var configuration = ReverseDistillationRunTests.configuration(epochs: 2, size: 64)
        configuration.method = "stu-seg"
        configuration.settings = settings.merging(["width": .integer(8)]) { mine, _ in mine }
        configuration.useDefaultTeachers()
        let dataset = try Dataset.mvtec(root: ReverseDistillationRunTests.samples + "/texture")
        try TrainingJob(run: run, dataset: dataset, configuration: configuration, teacherWeights: nil, resume: false).start()
        let rows = try String(contentsOfFile: run.trainLog, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        return Dictionary(grouping: rows, by: { $0[0] }).mapValues { $0.map { $0[2] } }
    }

    @Test func eachStageDrawsItsOwnDefects() throws {
        guard ReverseDistillationRunTests.teacherAvailable else { return }
        // CutPaste and scars need no texture files.
        let cutPaste: [String: SettingValue] = ["texture_blend": .real(0), "cut_paste": .real(1),
                                                "segmentation_texture_blend": .real(0), "segmentation_cut_paste": .real(1)]
        let scarredHead = cutPaste.merging(["segmentation_cut_paste": .real(0), "segmentation_scar": .real(1)]) { _, new in new }
        let scarredStudent = cutPaste.merging(["cut_paste": .real(0), "scar": .real(1)]) { _, new in new }
        let base = try Self.losses(cutPaste), head = try Self.losses(scarredHead), student = try Self.losses(scarredStudent)
        #expect(base["1"]?.count == 8 && base["2"]?.count == 8)  // 60 images, batches of 8
        #expect(head["1"] == base["1"], "the segmentation network's shares changed the student's epoch")
        #expect(head["2"] != base["2"], "the segmentation network's shares did not reach its epoch")
        #expect(student["1"] != base["1"], "the student's shares did not reach its epoch")
    }
}
