import Foundation
import LoupeData
import LoupeEngine
import LoupeModels
import Testing

/// A run with `--paper-recipe` trains by it: rd-dual's learning rate follows paper 001's
/// cosine of period 32 epoch by epoch (hand-computed), and rd-mff's flips change its inputs.
@Suite struct PaperRecipeRunTests {
    /// Each epoch's (learning rate, losses) of a three-epoch run at 64 px.
    static func log(_ method: String, _ settings: [String: SettingValue]) throws -> [Int: (rate: Double, losses: [Substring])] {
        let run = ReverseDistillationRunTests.temporaryRun()
        defer { try? FileManager.default.removeItem(atPath: run.path) }
        var configuration = ReverseDistillationRunTests.configuration(epochs: 3, size: 64)
        configuration.method = method
        configuration.settings = settings
        configuration.useDefaultTeachers()
        let dataset = try Dataset.mvtec(root: ReverseDistillationRunTests.samples + "/texture")
        try TrainingJob(run: run, dataset: dataset, configuration: configuration, teacherWeights: nil, resume: false).start()
        let rows = try String(contentsOfFile: run.trainLog, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        return Dictionary(grouping: rows, by: { Int($0[0])! }).mapValues { (Double($0[0][3])!, $0.map { $0[2] }) }
    }

    @Test func rdDualFollowsPaper001sCosine() throws {
        guard ReverseDistillationRunTests.teacherAvailable else { return }
        let log = try Self.log("rd-dual", ["paper_recipe": .bool(true)])
        for epoch in 1...3 {
            let expected = 0.005 * (1 + cos(Double.pi * Double(epoch - 1) / 32)) / 2
            #expect(abs((log[epoch]?.rate ?? 0) - expected) < 1e-6, "epoch \(epoch): \(String(describing: log[epoch]?.rate)), expected \(expected)")
        }
    }

    @Test func rdMFFTrainsOnFlippedImages() throws {
        guard ReverseDistillationRunTests.teacherAvailable else { return }
        let recipe = try Self.log("rd-mff", ["paper_recipe": .bool(true)]), plain = try Self.log("rd-mff", [:])
        #expect(recipe[1]?.rate == plain[1]?.rate, "the first epoch's rate is the base rate either way")
        #expect(recipe[1]?.losses != plain[1]?.losses, "the flips did not reach the first epoch")
        #expect((recipe[3]?.rate ?? 1) < (plain[3]?.rate ?? 0), "the cosine did not lower the rate")
    }
}
