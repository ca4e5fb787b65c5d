import Foundation
import Testing

/// One definition per setting: the extreme values `train` accepts also train, are written to
/// `config.toml` and are accepted again by `--resume`; a value one side refuses, `train`, the
/// console and `--resume` all refuse with the same words.
@Suite struct SettingExtremesTests {
    /// Each shared setting at an end of its range (the largest input size, 2048, trains too
    /// slowly for a test: 32, the smallest, stands for the size rule), and method settings at
    /// theirs; each trains one epoch, then resumes to a second. Batch 59 of 60 images at 32 px
    /// leaves a last batch of one, which sits out (BatchNorm at a 1x1 bottleneck).
    static let extremes: [[String]] = [
        ["--learning-rate", "9.999"], ["--learning-rate", "1e-20"], ["--batch-size", "1", "--size", "64"], ["--batch-size", "1024"],
        ["--batch-size", "59"], ["--cosine"], ["--image-score", "top-1-mean"], ["--seed", "9223372036854775807"],
        ["--method", "rd-mff", "--heads", "1", "--depth", "1"], ["--method", "rd-mff", "--heads", "8"],
        ["--method", "sacd", "--margin", "-1", "--contrastive-weight", "10", "--defective-weight", "0"],
    ]

    @Test(arguments: extremes) func extremeValuesTrainAndResume(_ setting: [String]) throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = folder + "/run"
        let trained = try Loupe.run(["train", "--data", "samples/texture", "--run", run, "--epochs", "1", "--size", "32",
                                     "--no-feature-cache"] + setting)
        #expect(trained.status == 0, "\(setting): \(trained.error)")
        let resumed = try Loupe.run(["train", "--run", run, "--resume", "--epochs", "2", "--no-feature-cache"])
        #expect(resumed.status == 0, "\(setting) resumed: \(resumed.error)")
        let log = try String(contentsOfFile: run + "/train-log.csv", encoding: .utf8)
        #expect(log.split(separator: "\n").last?.hasPrefix("2,") == true, "\(setting): \(log.suffix(200))")
    }

    @Test func outOfRangeValuesAreRefusedAlikeEverywhere() throws {
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let expected = "--learning-rate: 20.0; expected a number above 0 and below 10"
        try CommandLineTests.expectOneLineStatusOne([
            (["train", "--run", folder + "/r", "--data", "samples/texture", "--learning-rate", "20"], "loupe train: " + expected),
            (["console", "--run", folder + "/r", "--data", "samples/texture", "--learning-rate", "20"], "loupe console: " + expected),
            (["train", "--run", folder + "/r", "--data", "samples/texture", "--batch-size", "1025"],
             "loupe train: --batch-size: 1025; expected a whole number from 1 to 1024"),
            (["console", "--run", folder + "/r", "--data", "samples/texture", "--batch-size", "1025"],
             "loupe console: --batch-size: 1025; expected a whole number from 1 to 1024"),
            (["train", "--run", folder + "/r", "--data", "samples/texture", "--batch-size", "1", "--size", "32"],
             "loupe train: --batch-size: 1 at image size 32; expected 2 or more at that size"),
            (["train", "--run", folder + "/r", "--data", "samples/texture", "--seed", "18446744073709551615"],
             "loupe train: --seed: 18446744073709551615; expected a whole number from 0 to 9223372036854775807"),
        ])
        // A config.toml holding the same value: --resume names the key with the same rule.
        try FileManager.default.createDirectory(atPath: folder + "/r", withIntermediateDirectories: true)
        try "method = \"rd\"\ndata = \"samples/texture\"\n\n[training]\nlearning_rate = 20.0\n"
            .write(toFile: folder + "/r/config.toml", atomically: true, encoding: .utf8)
        let resumed = try Loupe.run(["train", "--run", folder + "/r", "--resume"])
        #expect(resumed.status == 1 && resumed.error.contains("'training.learning_rate' is 20.0; expected a number above 0 and below 10"),
                "\(resumed.error)")
    }
}
