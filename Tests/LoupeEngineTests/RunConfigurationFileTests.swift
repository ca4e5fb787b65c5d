import Foundation
import LoupeData
@testable import LoupeEngine
import LoupeModels
import Testing

/// `config.toml` as users edit it: what a run writes reads back the same, and every
/// mistake is reported by file, line and key.
@Suite struct RunConfigurationFileTests {
    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID()).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func whatARunWritesReadsBackTheSame() throws {
        var configuration = TrainingConfiguration()
        configuration.method = "rd-mff"
        configuration.settings = ["heads": .integer(2), "transformer": .bool(false)]
        configuration.imageSize = 256
        configuration.epochs = 12
        configuration.learningRate = 0.0031
        configuration.beta1 = 0.6
        configuration.cosineAnnealing = true
        configuration.seed = 42
        configuration.blurSigma = 2.5
        configuration.imageScore = .topMean(10)
        configuration.augmentation = Augmentation(horizontalFlipProbability: 0.5, maximumRotationDegrees: 12.5, contrast: 0.1)
        configuration.textures = "line3/defect textures"
        let file = RunConfigurationFile(configuration: configuration, data: .path("data/pcb \"2\""), teacherWeights: ["/w/lite0.pth"],
                                        tiling: Tiling(size: 256, overlap: 16), tilesPerImage: 3)
        let path = try Self.write(file.text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var read = try RunConfigurationFile.read(path)
        // Written out, every setting has its value; the defaults read back as set values.
        #expect(read.configuration.settings == ["heads": .integer(2), "transformer": .bool(false), "mff": .bool(true),
                                                "mirror_student": .bool(false), "depth": .integer(1), "paper_recipe": .bool(false)])
        read.configuration.settings = configuration.settings
        #expect(read == file)
        let plain = RunConfigurationFile(configuration: TrainingConfiguration())
        let plainPath = try Self.write(plain.text)
        defer { try? FileManager.default.removeItem(atPath: plainPath) }
        #expect(try RunConfigurationFile.read(plainPath) == plain)
        // Plain folders come back as written.
        let folders = RunConfigurationFile(configuration: TrainingConfiguration(),
                                           data: .folders(PlainFolders(good: "line3/ok", defect: "line3/ng", masks: "line3/gt", maskPattern: "{stem}.bmp")))
        #expect(folders.text.contains("[data_folders]\ngood = \"line3/ok\""))
        let foldersPath = try Self.write(folders.text)
        defer { try? FileManager.default.removeItem(atPath: foldersPath) }
        #expect(try RunConfigurationFile.read(foldersPath) == folders)
    }

    @Test func mistakesNameTheFileLineAndKey() throws {
        let good = RunConfigurationFile(configuration: TrainingConfiguration(), data: .path("d")).text
        let cases: [(String, (String) -> TOMLFileError)] = [
            (good + "garbage appended\n", { .syntax(path: $0, line: 17, message: "") }),
            (good.replacingOccurrences(of: "epochs = 30", with: "epochs = \"thirty\""),
             { .wrongType(path: $0, line: 9, key: "training.epochs", found: "\"thirty\"", expected: "a whole number") }),
            (good.replacingOccurrences(of: "epochs = 30", with: "epochs = 0"),
             { .badValue(path: $0, line: 9, key: "training.epochs", value: "0", expected: "a whole number from 1 to 100000") }),
            (good.replacingOccurrences(of: "image_size = 256", with: "image_size = 250"),
             { .badValue(path: $0, line: 8, key: "training.image_size", value: "250", expected: TrainingConfiguration.imageSizeRule) }),
            (good.replacingOccurrences(of: "seed = 0", with: "seed = 0\nlearning_rat = 0.1"),
             { .unknownKey(path: $0, line: 15, key: "training.learning_rat", known: ["backbone", "image_size", "epochs", "batch_size",
                           "learning_rate", "betas", "cosine_annealing", "seed", "blur_sigma", "image_score", "textures"]) }),
            (good.replacingOccurrences(of: "method = \"rd\"", with: "method = \"stfpm\""),
             { .badValue(path: $0, line: 3, key: "method", value: "\"stfpm\"", expected: "one of " + MethodRegistry.names.joined(separator: ", ")) }),
            (good + "\n[rd-mff]\nheads = 2\n", { .unknownKey(path: $0, line: 18, key: "[rd-mff]", known: ["[training]", "[rd]", "[augmentation]", "[tiling]", "[data_folders]"]) }),
            (good.replacingOccurrences(of: "method = \"rd\"", with: "method = \"rd-mff\"") + "\n[rd-mff]\nheads = 9\n",
             { .badValue(path: $0, line: 19, key: "rd-mff.heads", value: "9", expected: "1 to 8") }),
            (good.replacingOccurrences(of: "method = \"rd\"", with: "method = \"rd-mff\"") + "\n[rd-mff]\nmff = 1\n",
             { .badValue(path: $0, line: 19, key: "rd-mff.mff", value: "1", expected: "true or false") }),
            (good + "\n[augmentation]\nrotation = 200\n",
             { .badValue(path: $0, line: 19, key: "augmentation.rotation", value: "200.0", expected: "0.0 to 180.0") }),
            (good.replacingOccurrences(of: "betas = [0.5, 0.999]", with: "betas = [0.5]"),
             { .wrongType(path: $0, line: 12, key: "training.betas", found: "[ 0.5 ]", expected: "an array of 2 numbers") }),
            // toml++ aborted on a table name starting with '#' (found by `make fuzz`).
            (good + "\n[#rd]\n", { .syntax(path: $0, line: 18, message: "") }),
            (good + "\n  [[ !x]]\n", { .syntax(path: $0, line: 18, message: "") }),
            (good + "\n[\u{333}x]\n", { .syntax(path: $0, line: 18, message: "") }),  // '[' + a combining mark: one Character
            (good.replacingOccurrences(of: "method = \"rd\"", with: "method = \"rd-dual\""),
             { .badValue(path: $0, line: 7, key: "training.backbone", value: "\"efficientnet-lite0\"", expected: "2 backbones for rd-dual, comma-separated") }),
        ]
        for (text, expected) in cases {
            let path = try Self.write(text)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect { try RunConfigurationFile.read(path) } throws: { error in
                guard let error = error as? TOMLFileError else { return false }
                if case let .syntax(errorPath, line, _) = error, case let .syntax(_, expectedLine, _) = expected(path) {
                    return errorPath == path && line == expectedLine
                }
                return error == expected(path)
            }
        }
        #expect(throws: TOMLFileError.unreadable(path: "no/such/config.toml")) { try RunConfigurationFile.read("no/such/config.toml") }
    }

    /// Lines opening with '[' inside arrays and multi-line strings are not table headers.
    @Test func tableHeaderCheckFollowsArraysAndStrings() {
        func line(_ text: String) -> Int? { TOMLDocument.unparsableTableHeader(in: text.split(separator: "\n", omittingEmptySubsequences: false)) }
        #expect(line("a = [\n  [ {x = 1} ],\n]\n[ok]\n") == nil)
        #expect(line("s = \"\"\"\n[#not a header]\n\"\"\"\n[\"quoted\"]\n") == nil)
        #expect(line("t = '[' # ]\n[#bad]\n") == 2)
        #expect(line("x = \"[\\\"\"\n[ -ok]\n[.bad]\n") == 3)
    }
}
