import Foundation
import LoupeData
import LoupeEngine
import LoupeModels
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
    /// (stride 0), a zero batch, an input size that is no multiple of 32.
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
