import Foundation
import LoupeConsole
import LoupeData
import LoupeEngine
import LoupeFormats
import LoupeModels
import LoupeTensor
import LoupeTestSupport
import Testing

/// Files handed over from elsewhere, crafted to crash a reader: each class ends in one line
/// naming the file and exit status 1 (they had crashed with a stack overflow or a failed
/// allocation).
@Suite struct HostileInputTests {
    static func folder() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-hostile-\(UUID())").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The 147-byte `.pth` of a dict containing itself, and a list containing itself under
    /// `state_dict`, as teacher weights of `classify` and `train`.
    @Test func selfContainingPicklesAreRefusedByName() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dict = folder + "/cycle.pth", list = folder + "/list-cycle.pth", deep = folder + "/deep.pth"
        try Data(HostileFiles.torchZip(pickle: HostileFiles.selfContainingDictionary)).write(to: URL(fileURLWithPath: dict))
        try Data(HostileFiles.torchZip(pickle: HostileFiles.selfContainingListUnderStateDict)).write(to: URL(fileURLWithPath: list))
        try Data(HostileFiles.torchZip(pickle: HostileFiles.nestedLists(depth: 500_000))).write(to: URL(fileURLWithPath: deep))
        let image = "Tests/LoupeModelsTests/Fixtures/coffee-256.png"
        try CommandLineTests.expectOneLineStatusOne([
            (["classify", "--weights", dict, image], "\(dict): damaged weights file: a list or dict contains itself (a cycle)"),
            (["classify", "--weights", list, image], "\(list): damaged weights file: a list or dict contains itself"),
            (["classify", "--weights", deep, image], "\(deep): damaged weights file: values nested deeper than 1000 levels"),
            (["train", "--data", "samples/texture", "--run", folder + "/run", "--weights", dict, "--epochs", "1"], "\(dict): damaged weights file"),
        ])
    }

    /// A 33-byte PNG whose header claims 2³¹−1 × 2³¹−1 pixels, among the training images of a
    /// tiled run: the tile plan reads sizes from headers, and they pass the decoders' cap.
    @Test func aHeaderClaimingAHugeImageIsRefusedBeforeTiling() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/good", withIntermediateDirectories: true)
        for name in ["000.png", "001.png"] {
            try FileManager.default.copyItem(atPath: "\(Loupe.repository.path)/samples/texture/train/good/\(name)", toPath: "\(folder)/good/\(name)")
        }
        let huge = HostileFiles.pngHeader(width: 2_147_483_647, height: 2_147_483_647)
        #expect(huge.count == 33)
        try Data(huge).write(to: URL(fileURLWithPath: folder + "/good/huge.png"))
        try CommandLineTests.expectOneLineStatusOne([
            (["train", "--good", folder + "/good", "--run", folder + "/run", "--tile", "64", "--epochs", "1", "--no-feature-cache"],
             "\(folder)/good/huge.png: image is 2147483647x2147483647"),
        ])
    }

    /// Sizes in a checkpoint's metadata pass config.toml's rules: an overlap equal to the tile
    /// (stride 0), a zero batch, an input size that is no multiple of 32; the method's
    /// settings pass their definitions (range, known key).
    @Test func checkpointMetadataOutsideTheRulesIsRefused() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var configuration = TrainingConfiguration()
        configuration.imageSize = 64
        let cases: [(String, (inout CheckpointMetadata) -> Void, String)] = [
            ("stride0", { $0.tiling = Tiling(size: 64, overlap: 64) }, "tiling: overlap must be between 0 and the tile size (64), got 64"),
            ("batch0", { $0.configuration.batchSize = 0 }, "'training.batch_size' is 0; expected a whole number from 1 to 1024"),
            ("size50", { $0.configuration.imageSize = 50 }, "'training.image_size' is 50; expected a multiple of 32"),
            ("tiles0", { $0.tiling = Tiling(size: 64, overlap: 8); $0.tilesPerImage = 0 }, "tiles_per_image is 0"),
            ("share2", { $0.method = "pfadseg"; $0.configuration.method = "pfadseg"; $0.configuration.settings = ["segmentation_share": .real(2)] },
             "'segmentation_share' is 2.0; expected 0.05 to 0.95"),
            ("unknown", { $0.configuration.settings = ["heads": .integer(4)] }, "'heads' is not a setting of rd (it has none)"),
        ]
        var expectations: [([String], String)] = []
        for (name, change, message) in cases {
            var metadata = CheckpointMetadata(configuration: configuration, data: .path("samples/texture"), epoch: 1, threshold: nil, teacherWeights: "")
            change(&metadata)
            let run = folder + "/" + name
            try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
            try Checkpoint(model: [:], optimizer: [:], metadata: metadata).write(to: run + "/model.safetensors")
            expectations.append((["eval", "--run", run], "\(run)/model.safetensors: damaged checkpoint: its metadata says \(message)"))
        }
        try CommandLineTests.expectOneLineStatusOne(expectations)
    }
}

/// File names with a comma, a quote, a line break and non-ASCII letters go through every
/// table and JSON line Loupe writes and come back as themselves: eval → scores.csv → the
/// console, infer → shard parts → merge, infer --json.
@Suite struct AwkwardFileNameTests {
    static let names = ["a,b.png", #"q"x.png"#, "new\nline.png", "Prüfteil – Kratzer.png", "plain.png"]

    @Test func awkwardNamesRoundTripThroughEveryTable() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = FileManager.default, samples = Loupe.repository.path + "/samples/texture"
        for kind in ["good", "defect", "masks"] { try files.createDirectory(atPath: folder + "/" + kind, withIntermediateDirectories: true) }
        for index in 0..<6 {
            try files.copyItem(atPath: String(format: "%@/train/good/%03d.png", samples, index), toPath: String(format: "%@/good/%03d.png", folder, index))
        }
        for (index, name) in Self.names.enumerated() {
            try files.copyItem(atPath: String(format: "%@/test/scratch/%03d.png", samples, index), toPath: folder + "/defect/" + name)
            try files.copyItem(atPath: String(format: "%@/ground_truth/scratch/%03d_mask.png", samples, index),
                               toPath: folder + "/masks/" + (name as NSString).deletingPathExtension + "_mask.png")
        }
        let run = folder + "/run"
        let train = try Loupe.run(["train", "--good", folder + "/good", "--defect", folder + "/defect", "--masks", folder + "/masks",
                                   "--run", run, "--epochs", "1", "--size", "64", "--no-feature-cache"])
        #expect(train.status == 0, "\(train.error)")
        let evaluation = try Loupe.run(["eval", "--run", run])
        #expect(evaluation.status == 0, "\(evaluation.error)")
        let expected = Set(Self.names.map { folder + "/defect/" + $0 })

        // scores.csv, as a table and as the console reads it.
        let scores = try CSV.records(atPath: run + "/scores.csv").dropFirst()
        #expect(Set(scores.filter { $0.fields[1] != "good" }.map { $0.fields[0] }) == expected)
        #expect(scores.allSatisfy { $0.fields.count == 5 && Float($0.fields[3]) != nil })
        let console = try Console(run: RunFolder(run))
        #expect(Set(console.state.items.filter(\.isDefect).map(\.name)) == expected)
        console.stop()

        // Shard parts and their merge.
        for index in 0..<2 {
            let part = try Loupe.run(["infer", "--run", run, "--shard", "\(index)/2", "--output", folder + "/part\(index).csv", folder + "/defect"])
            #expect(part.status == 0, "\(part.error)")
        }
        let merged = try Loupe.run(["merge", folder + "/part0.csv", folder + "/part1.csv"])
        #expect(merged.status == 0, "\(merged.error)")
        let rows = try CSV.records(merged.output).dropFirst()
        #expect(Set(rows.map { $0.fields[0] }) == expected && rows.allSatisfy { $0.fields.count == 3 })

        // --json lines parse, one per image.
        let json = try Loupe.run(["infer", "--run", run, "--json", folder + "/defect"])
        #expect(json.status == 0, "\(json.error)")
        let objects = json.output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(Set(objects.compactMap { $0["file"] as? String }) == expected)
    }
}

/// A model whose weights went NaN (training diverged) scores NaN: `eval` and `infer` say
/// which files, write "nan" in CSV and null in JSON, and every file stays readable.
@Suite struct NonFiniteScoreTests {
    @Test func nanScoresAreNamedAndWrittenAsNull() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = folder + "/run"
        let train = try Loupe.run(["train", "--data", "samples/texture", "--run", run, "--epochs", "1", "--size", "64", "--no-feature-cache"])
        #expect(train.status == 0, "\(train.error)")
        var checkpoint = try Checkpoint.read(run + "/model.safetensors")
        for (name, tensor) in checkpoint.model {
            checkpoint.model[name] = Tensor(repeating: .nan, shape: tensor.shape)
        }
        try checkpoint.write(to: run + "/model.safetensors")

        let evaluation = try Loupe.run(["eval", "--run", run, "--json"])
        #expect(evaluation.status == 0, "\(evaluation.error)")
        #expect(evaluation.error.contains("images scored NaN or infinity") && evaluation.error.contains("samples/texture/test/"), "\(evaluation.error)")
        #expect((try? JSONSerialization.jsonObject(with: Data(evaluation.output.utf8))) != nil, "eval --json: \(evaluation.output)")
        #expect(try ScoresFile.read(run + "/scores.csv").isEmpty, "nan is no score a table keeps")
        #expect(try CSV.records(atPath: run + "/scores.csv").dropFirst().allSatisfy { $0.fields[3] == "nan" })

        let infer = try Loupe.run(["infer", "--run", run, "--json", "samples/texture/test/hole/000.png"])
        #expect(infer.status == 0, "\(infer.error)")
        let line = try #require(try JSONSerialization.jsonObject(with: Data(infer.output.utf8)) as? [String: Any])
        #expect(line["score"] is NSNull && line["file"] as? String == "samples/texture/test/hole/000.png")
        #expect(infer.error.contains("samples/texture/test/hole/000.png") && infer.error.contains("NaN"))
    }
}

/// The binary run from a folder outside the repository, as a user runs it: the shipped
/// textures are found beside the checkout it was built in, or beside an installed prefix.
@Suite struct AnyFolderTests {
    @Test func sacdTrainsFromAnotherFolderWithoutTextures() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = FileManager.default, samples = Loupe.repository.path + "/samples/texture"
        // An installed prefix: the binary and its shipped folders, nowhere near the checkout.
        let prefix = folder + "/prefix"
        try files.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        try files.createDirectory(atPath: prefix + "/share/loupe", withIntermediateDirectories: true)
        try files.copyItem(atPath: Loupe.executable.path, toPath: prefix + "/bin/loupe")
        try files.copyItem(atPath: Loupe.repository.path + "/textures", toPath: prefix + "/share/loupe/textures")
        let work = folder + "/work"
        try files.createDirectory(atPath: work, withIntermediateDirectories: true)
        for (binary, run) in [(Loupe.executable.path, "built"), (prefix + "/bin/loupe", "installed")] {
            let train = try Loupe.run(["train", "--method", "sacd", "--data", samples, "--run", run, "--epochs", "1", "--size", "64", "--no-feature-cache"],
                                      environment: ["LOUPE_TEXTURES": nil], in: work, binary: URL(fileURLWithPath: binary))
            #expect(train.status == 0, "\(run): \(train.error)")
            #expect(files.fileExists(atPath: work + "/" + run + "/model.safetensors"), "\(run)")
        }
        // Without the shipped folder anywhere, the error names every place it looked.
        try files.removeItem(atPath: prefix + "/share/loupe/textures")
        let refused = try Loupe.run(["train", "--method", "sacd", "--data", samples, "--run", "none", "--epochs", "1", "--size", "64"],
                                    environment: ["LOUPE_TEXTURES": nil], in: work, binary: URL(fileURLWithPath: prefix + "/bin/loupe"))
        #expect(refused.status == 1)
        #expect(refused.error.contains("no folder of synthetic-defect textures: looked in \(prefix)/share/loupe/textures") && refused.error.contains("--textures DIR"),
                "\(refused.error)")
    }
}
