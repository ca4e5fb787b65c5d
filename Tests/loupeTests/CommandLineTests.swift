import Foundation
import LoupeEngine
import LoupeFormats
import LoupeImaging
import LoupeModels
import LoupeTensor
import Testing

/// Runs the built `loupe` executable and checks what a user sees: output, messages, exit
/// status (0 ok, 1 the user's input is wrong, 2 internal).
enum Loupe {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("loupe")

    struct Outcome {
        let status: Int32
        let output: String
        let error: String
    }

    static func run(_ arguments: String...) throws -> Outcome { try run(arguments) }

    /// Whether the default teacher is installed; without it the tests that train are skipped,
    /// unless `make test` demands it (LOUPE_REQUIRE_WEIGHTS=1, and they then fail).
    static var weightsAvailable: Bool {
        let weights = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/loupe/weights/efficientnet-lite0-57934424.pth")
        return FileManager.default.fileExists(atPath: weights.path) || ProcessInfo.processInfo.environment["LOUPE_REQUIRE_WEIGHTS"] == "1"
    }
}

@Suite struct CommandLineTests {
    @Test func trainHelpListsEveryMethodWithItsPaperAndOptions() throws {
        let help = try Loupe.run("train", "--help")
        #expect(help.status == 0)
        for text in ["rd       teacher, one-class bottleneck", "rd-mff   multi-scale fusion", "paper 000", "pfadseg  denoising student",
                     "options: --no-mff, --no-transformer, --mirror-student,", "--heads N (4), --depth N (1)"] {
            #expect(help.output.contains(text), "train --help lacks '\(text)'")
        }
    }

    @Test func helpTeachesTheCommandsAndExitStatuses() throws {
        let help = try Loupe.run("--help")
        #expect(help.status == 0)
        for word in ["classify", "data", "weights", "Exit status"] { #expect(help.output.contains(word)) }
    }

    @Test func classifyNamesTheCoffeePhoto() throws {
        let weights = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/loupe/weights/efficientnet-lite0-57934424.pth")
        guard ProcessInfo.processInfo.environment["LOUPE_WEIGHTS"] != nil || FileManager.default.fileExists(atPath: weights.path)
                || ProcessInfo.processInfo.environment["LOUPE_REQUIRE_WEIGHTS"] == "1" else { return }
        let result = try Loupe.run("classify", "Tests/LoupeModelsTests/Fixtures/coffee-256.png")
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 5 && lines.first == "espresso")
    }

    @Test func userErrorsAreOneLineAndStatusOne() throws {
        let cases: [([String], String)] = [
            (["classify", "--backbone", "vgg", "x.png"], "unknown backbone 'vgg'"),
            (["classify", "no/such/image.png"], "no/such/image.png"),
            (["classify", "--weights", "Tests/LoupeModelsTests/Fixtures/malicious.pth", "Tests/LoupeModelsTests/Fixtures/coffee-256.png"], "os.system"),
            (["data", "check", "no/such/folder"], "no/such/folder"),
            (["weights", "Tests/LoupeModelsTests/Fixtures/coffee-256.png"], "coffee-256.png"),
            (["frobnicate"], "Unexpected argument"),
            (["infer", "--run", "runs/none", "--shard", "9/8", "samples/texture/test/hole"], "shard 9/8: the index must be 0…7"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--method", "stfpm"], "unknown method 'stfpm'; methods: rd, rd-mff, sacd"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--method", "sacd", "--textures", "no/such/folder"], "no/such/folder: texture folder does not exist"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--method", "sacd", "--margin", "2"], "'margin' is 2.0; expected"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--image-score", "top-0-mean"], "--image-score: 'top-0-mean' is neither max nor top-K-mean"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--method", "pfadseg", "--epochs", "1"], "pfadseg: it trains the student, then the segmentation network: give --epochs 2 or more"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--method", "pfadseg", "--texture-blend", "0"], "pfadseg: the student learns from synthetic defects"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--method", "rd-mff", "--heads", "9"], "--heads: 'heads' is 9; expected 1 to 8"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--method", "rd-mff", "--layers", "2"], "unknown option '--layers' (rd-mff takes --mff"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--heads", "2"], "unknown option '--heads'"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--method", "rd-mff", "--no-transformer=false"], "takes no value"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--augment", "spin=3"], "--augment: augmentation 'spin=3': expected NAME=VALUE"),
            (["train", "--data", "samples/texture", "--run", "runs/x", "--augment", "rotation=200"], "'rotation' is 200; expected 0.0 to 180.0"),
        ]
        try Self.expectOneLineStatusOne(cases)
    }

    /// Every command's parsing and validation errors: status 1 and one line naming the
    /// command, never "internal error" or a usage block.
    @Test func everyCommandsValidationErrorsAreOneLine() throws {
        try Self.expectOneLineStatusOne([
            (["train", "--run", "r"], "loupe train: no data set: pass --data PATH or --good DIR"),
            (["train", "--run", "r", "--data", "a", "--good", "b"], "loupe train: give either --data or --good"),
            (["train", "--run", "r", "--data", "a", "--epochs", "0"], "loupe train: --epochs: 0; expected a whole number from 1 to 100000"),
            // The range config.toml and --resume apply: a run --resume refuses is never trained.
            (["train", "--run", "r", "--data", "a", "--learning-rate", "20"], "loupe train: --learning-rate: 20.0; expected a number above 0 and below 10"),
            (["train", "--run", "r", "--data", "a", "--batch-size", "5000"], "loupe train: --batch-size: 5000; expected a whole number from 1 to 1024"),
            (["eval"], "loupe eval: Missing expected argument '--run <run>'"),
            (["eval", "--run", "r", "--defect", "d"], "loupe eval: --defect, --test-good, --masks, --mask-pattern and --extensions need --good"),
            (["infer", "--run", "r"], "loupe infer: Missing expected argument '<images> ...'"),
            (["infer", "--run", "r", "--shard", "two", "x.png"], "loupe infer:"),
            (["merge"], "loupe merge: Missing expected argument '<parts> ...'"),
            (["console", "--good", "g", "--mask-pattern", "{stem}.png"], "loupe console: --mask-pattern needs --masks"),
            (["console", "--epochs", "many"], "loupe console:"),
            (["classify"], "loupe classify: Missing expected argument '<image>'"),
            (["data", "check"], "loupe data check: give a data set PATH, or --good"),
            (["data", "check", "samples/texture", "--good", "g"], "loupe data check: give a data set PATH, or --data/--good, not both"),
            (["data", "check", "--good", "g", "--masks", "m", "--mask-pattern", "gt.png"], "has no {stem}"),
            (["data", "frobnicate"], "loupe data:"),
            (["weights"], "loupe weights: Missing expected argument '<file>'"),
            (["roi", "train", "--images", "samples/texture/train/good", "--masks", "samples/texture/ground_truth/hole", "--run", "r"],
             "loupe: samples/texture/train/good/000.png: no mask of the same name in samples/texture/ground_truth/hole"),
            (["roi", "train", "--images", "i", "--masks", "m", "--run", "r", "--size", "48"], "loupe roi train: --size must be a multiple of 32"),
            (["roi", "eval", "--run", "runs/none", "--images", "i", "--masks", "m"], "loupe: runs/none: not a ROI run"),
            (["export", "--run", "r", "--frame", "640x480"], "loupe export: --frame goes with --with-preprocessing"),
            (["export", "--run", "r", "--with-preprocessing", "--frame", "640by480"], "loupe export: --frame 640by480: expected WIDTHxHEIGHT, e.g. 640x480"),
            (["train", "--run", "r", "--data", "samples/texture", "--roi-margin", "0.3"], "loupe train: --roi-margin needs --roi"),
            (["train", "--run", "r", "--data", "samples/texture", "--memory-budget", "lots"], "loupe train: --memory-budget: 'lots' is not a size like 2G"),
            (["train", "--run", "r", "--data", "samples/texture", "--memory-budget", "1G", "--no-feature-cache"], "--memory-budget streams from the feature cache"),
            (["train", "--run", "r", "--data", "samples/texture", "--method", "rd", "--backbone", "efficientnet-lite0,efficientnet-lite2"],
             "loupe train: --backbone: rd distils from one teacher"),
        ])
    }

    /// The bad inputs a user hits on a real line (issue 25's list), each one line naming the
    /// file, status 1: a folder named like an image, a link loop among the frames, a folder
    /// with nothing to score, a theme with a colour name instead of "#rrggbb", a config.toml
    /// edited into an invalid value, a run written by a newer Loupe. (Masks of the wrong size:
    /// `HeadlessFlowTests.trainEvaluateInferOnJPEGFramesWithBMPMasks`.)
    @Test func badInputsAUserWillHitAreOneLineNamingTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-bad-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = FileManager.default
        try files.createDirectory(atPath: folder + "/folder-frame/frame.png", withIntermediateDirectories: true)
        try files.copyItem(atPath: "samples/texture/train/good/000.png", toPath: folder + "/folder-frame/000.png")
        try files.createDirectory(atPath: folder + "/loop-frame", withIntermediateDirectories: true)
        try files.copyItem(atPath: "samples/texture/train/good/000.png", toPath: folder + "/loop-frame/000.png")
        try files.createSymbolicLink(atPath: folder + "/loop-frame/loop.png", withDestinationPath: "loop.png")
        try files.createDirectory(atPath: folder + "/nothing", withIntermediateDirectories: true)
        try (String(contentsOfFile: "themes/default.toml", encoding: .utf8).replacingOccurrences(of: "good = \"#00af00\"", with: "good = \"green\""))
            .write(toFile: folder + "/theme.toml", atomically: true, encoding: .utf8)
        try "method = \"rd\"\n[training]\nepochs = -3\n".write(toFile: folder + "/config.toml", atomically: true, encoding: .utf8)
        var newer = CheckpointMetadata(configuration: TrainingConfiguration(), data: .path("samples/texture"), epoch: 1, threshold: nil, teacherWeights: "w")
        newer.formatVersion = CheckpointMetadata.currentFormatVersion + 1
        try files.createDirectory(atPath: folder + "/newer", withIntermediateDirectories: true)
        try SafeTensors(tensors: ["w": .zeros([1])], metadata: ["loupe": String(decoding: try JSONEncoder().encode(newer), as: UTF8.self)])
            .write(to: folder + "/newer/model.safetensors")
        try Self.expectOneLineStatusOne([
            (["train", "--good", folder + "/folder-frame", "--run", folder + "/r1", "--epochs", "1", "--size", "64"],
             "loupe: \(folder)/folder-frame/frame.png: cannot read image: a folder, not an image file"),
            (["train", "--good", folder + "/loop-frame", "--run", folder + "/r2", "--epochs", "1", "--size", "64"],
             "loupe: \(folder)/loop-frame/loop.png: cannot read image: a symbolic link to loop.png, which does not resolve (missing or a loop)"),
            (["infer", "--run", folder + "/newer", folder + "/nothing"], "\(folder)/nothing: no images in the named folder"),
            (["console", "--run", folder + "/newer", "--theme", folder + "/theme.toml"],
             "\(folder)/theme.toml:9: 'colours.good' is \"green\"; expected \"#rrggbb\""),
            (["train", "--config", folder + "/config.toml", "--run", folder + "/r3"], "\(folder)/config.toml:3: 'training.epochs' is -3"),
            (["eval", "--run", folder + "/newer"], "written by a newer Loupe (checkpoint format 2; this Loupe reads up to 1): update Loupe"),
            (["infer", "--run", folder + "/newer", "samples/texture/test/good"], "written by a newer Loupe"),
        ])
        #expect(!files.fileExists(atPath: folder + "/r1") && !files.fileExists(atPath: folder + "/r2") && !files.fileExists(atPath: folder + "/r3"))
        // `data check` lists the link among the unreadable files and says the set is unusable.
        let check = try Loupe.run("data", "check", "--good", folder + "/loop-frame")
        #expect(check.status == 1 && check.output.contains("\(folder)/loop-frame/loop.png: cannot read image: a symbolic link to loop.png"), "\(check.output)")
    }

    static func expectOneLineStatusOne(_ cases: [([String], String)], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (arguments, message) in cases {
            let result = try Loupe.run(arguments)
            #expect(result.status == 1, "\(arguments): status \(result.status), stderr \(result.error)", sourceLocation: sourceLocation)
            #expect(result.error.contains(message), "\(arguments): \(result.error)", sourceLocation: sourceLocation)
            #expect(result.error.split(separator: "\n").count == 1 && !result.error.contains("internal error"),
                    "\(arguments): not one line: \(result.error)", sourceLocation: sourceLocation)
            #expect(result.output.isEmpty, "\(arguments) printed to stdout: \(result.output)", sourceLocation: sourceLocation)
        }
    }

    @Test func consoleWithoutATerminalSaysSo() throws {
        let result = try Loupe.run("console", "--run", "runs/none")
        #expect(result.status == 1 && result.error.contains("the console needs a terminal"))
    }

    @Test func dataCheckReportsTheSamples() throws {
        let result = try Loupe.run("data", "check", "samples/texture")
        #expect(result.status == 0)
        #expect(result.output.contains("test   scratch") && result.output.contains("192x192 grey (108)") && result.output.contains("ok: usable"))
        #expect(result.output.contains("layout: MVTec AD folders") && result.output.contains("formats: images PNG 108; masks PNG 32"))
    }

    @Test func dataCheckReadsPlainFoldersOfJPEGAndBMP() throws {
        let result = try Loupe.run(["data", "check"] + HeadlessFlowTests.jpegFolders)
        #expect(result.status == 0, "\(result.error)")
        for text in ["layout: plain folders", "train  good                     20", "test   defect                   12     12",
                     "formats: images JPEG 38; masks BMP 12", "192x192 RGB (38)", "ok: usable"] {
            #expect(result.output.contains(text), "data check lacks '\(text)':\n\(result.output)")
        }
    }

    @Test func weightsListsTensors() throws {
        let result = try Loupe.run("weights", "Tests/LoupeModelsTests/Fixtures/checkpoints.safetensors")
        #expect(result.status == 0)
        #expect(result.output.contains("conv.weight\t3×2×3×3\t54"))
    }
}

extension Loupe {
    /// Runs `binary` (the built `loupe`) in `folder` (the repository) with `environment`
    /// changed (nil removes a variable).
    static func run(_ arguments: [String], environment: [String: String?] = [:], in folder: String? = nil,
                    binary: URL = executable) throws -> Outcome {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder.map { URL(fileURLWithPath: $0) } ?? repository
        if !environment.isEmpty {
            var changed = ProcessInfo.processInfo.environment
            for (key, value) in environment { changed[key] = value }
            process.environment = changed
        }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Standard error is drained on its own thread: read one after the other, a child
        // filling the error pipe while we wait on the output pipe would never finish.
        nonisolated(unsafe) var err = Data()
        let drained = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            err = error.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self), error: String(decoding: err, as: UTF8.self))
    }
}

/// The headless flow through the binary: train, eval, sharded infer, merge.
@Suite struct HeadlessFlowTests {
    /// A plain-folder data set of colour JPEG frames with 1-bit BMP masks (made from
    /// samples/texture by scripts/make-fixtures.py --only formats).
    static let jpegData = "Tests/loupeTests/Fixtures/jpeg-texture"
    static let jpegFolders = ["--good", jpegData + "/good", "--test-good", jpegData + "/test-good", "--defect", jpegData + "/defect",
                              "--masks", jpegData + "/masks", "--mask-pattern", "{stem}.bmp"]

    /// Trained, evaluated and scored on JPEG frames with BMP masks, named as plain folders;
    /// the run remembers the folders, so eval needs only --run.
    @Test func trainEvaluateInferOnJPEGFramesWithBMPMasks() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-jpeg-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = folder + "/run"
        let train = try Loupe.run(["train"] + Self.jpegFolders + ["--run", run, "--epochs", "4", "--size", "64", "--seed", "3"])
        #expect(train.status == 0, "\(train.error)")
        #expect(try String(contentsOfFile: run + "/config.toml", encoding: .utf8).contains("[data_folders]\ngood = \"\(Self.jpegData)/good\""))
        let evaluation = try Loupe.run(["eval", "--run", run, "--json"])
        #expect(evaluation.status == 0, "\(evaluation.error)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(evaluation.output.utf8)) as? [String: Any])
        // The BMP masks were read: pixel metrics exist and the defects are found well above chance.
        let pixelAUROC = try #require(metrics["pixel_auroc"] as? Double, "\(metrics)")
        #expect(pixelAUROC > 0.75, "pixel AUROC \(pixelAUROC)")
        let scores = try String(contentsOfFile: run + "/scores.csv", encoding: .utf8).split(separator: "\n")
        #expect(scores.count == 1 + 6 + 12)
        let infer = try Loupe.run(["infer", "--run", run, Self.jpegData + "/defect"])
        #expect(infer.status == 0 && infer.output.split(separator: "\n").count == 12, "\(infer.error)")
        // Throughput and latency close the run on standard error, the scores alone on standard output.
        #expect(infer.error.contains("12 images in") && infer.error.contains("images/s; per image p50")
                && infer.error.contains("(decode p50"), "\(infer.error)")
        let quiet = try Loupe.run(["infer", "--run", run, "--quiet", Self.jpegData + "/defect"])
        #expect(quiet.status == 0 && !quiet.error.contains("images/s") && quiet.output == infer.output, "\(quiet.error)")
        // Masks of another size than their images: one line naming the mask, status 1.
        let wrong = folder + "/wrong-masks"
        try FileManager.default.createDirectory(atPath: wrong, withIntermediateDirectories: true)
        try PNG.write(Image(width: 96, height: 96, channels: 1), to: wrong + "/hole-000.png")
        let mismatched = try Loupe.run(["eval", "--run", run, "--good", Self.jpegData + "/good", "--defect", Self.jpegData + "/defect",
                                        "--test-good", Self.jpegData + "/test-good", "--masks", wrong, "--mask-pattern", "{stem}.png"])
        #expect(mismatched.status == 1 && mismatched.error.contains(wrong + "/hole-000.png: mask is 96x96 but its image")
                && mismatched.error.contains("is 192x192"), "\(mismatched.error)")
    }

    /// A truncated JPEG among the training frames stops training before the run folder is
    /// made, and the message names the file.
    @Test func aTruncatedFrameStopsTrainingBeforeTheRunIsWritten() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-truncated-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: Self.jpegData + "/good", toPath: folder + "/good")
        let victim = folder + "/good/005.jpg"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: victim))
        let result = try Loupe.run(["train", "--good", folder + "/good", "--run", folder + "/run", "--epochs", "1", "--size", "64", "--no-feature-cache"])
        #expect(result.status == 1 && result.error.contains(victim + ": corrupt JPEG"), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/run"))
    }

    /// Every method through the headless commands (pfadseg and stu-seg need an epoch for each of their stages).
    @Test(arguments: [("rd", 1), ("rd-mff", 1), ("sacd", 1), ("pfadseg", 2), ("stu-seg", 2), ("rd-dual", 1)]) func trainEvaluateInferInShardsAndMerge(method: String, epochs: Int) throws {
        guard Loupe.weightsAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-cli-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = folder + "/run"
        let train = try Loupe.run(["train", "--data", "samples/texture", "--run", run, "--epochs", "\(epochs)", "--size", "64", "--json", "--method", method])
        #expect(train.status == 0, "\(train.error)")
        let written = try String(contentsOfFile: run + "/config.toml", encoding: .utf8)
        #expect(written.contains("method = \"\(method)\""))
        // Unset, the image score is the method's, stated (commented) in the file.
        #expect(written.contains("# image_score = \"\(try MethodRegistry.method(named: method).imageScore.name)\""))
        #expect(train.output.contains(#""epoch":\#(epochs),"#))
        let again = try Loupe.run(["train", "--data", "samples/texture", "--run", run, "--epochs", "1", "--size", "64"])
        #expect(again.status == 1 && again.error.contains("--resume"))
        let evaluation = try Loupe.run(["eval", "--run", run, "--json"])
        #expect(evaluation.status == 0 && evaluation.output.contains("pixel_auroc"), "\(evaluation.error)")
        for index in 0..<2 {
            let part = try Loupe.run(["infer", "--run", run, "--shard", "\(index)/2", "--output", folder + "/part\(index).csv", "samples/texture/test"])
            #expect(part.status == 0, "\(part.error)")
        }
        let merged = try Loupe.run(["merge", folder + "/part0.csv", folder + "/part1.csv"])
        #expect(merged.status == 0)
        let rows = merged.output.split(separator: "\n")
        #expect(rows.count == 49 && rows.dropFirst().allSatisfy { $0.hasSuffix(",good") || $0.hasSuffix(",defect") })
        let missing = try Loupe.run(["merge", folder + "/part0.csv"])
        #expect(missing.status == 1 && missing.error.contains("shards 1 of 2 are missing"))
    }

    /// sacd and the student-only variant distil from both shipped teachers at once
    /// (`--backbone A,B`): the student reconstructs their features concatenated, so it is
    /// wider than with one teacher, and the run evaluates, scores and exports like any other.
    @Test(arguments: [["--method", "sacd"], ["--method", "stu-seg", "--no-segmentation"]]) func twoTeachers(_ method: [String]) throws {
        guard Loupe.weightsAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-two-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func train(_ run: String, _ backbone: String) throws {
            let result = try Loupe.run(["train", "--data", "samples/texture", "--run", folder + "/" + run, "--epochs", "1", "--size", "64",
                                        "--backbone", backbone] + method)
            #expect(result.status == 0, "\(result.error)")
        }
        try train("one", "efficientnet-lite0")
        try train("two", "efficientnet-lite0,efficientnet-lite2")
        #expect(try String(contentsOfFile: folder + "/two/config.toml", encoding: .utf8).contains("backbone = \"efficientnet-lite0,efficientnet-lite2\""))
        func values(_ run: String) throws -> Int {
            try SafeTensors(contentsOf: folder + "/" + run + "/model.safetensors").tensors.filter { !$0.key.hasPrefix("optimizer.") }.values.reduce(0) { $0 + $1.count }
        }
        #expect(try values("two") > values("one"), "the second teacher's channels widen the student")
        let evaluation = try Loupe.run(["eval", "--run", folder + "/two", "--json"])
        #expect(evaluation.status == 0 && evaluation.output.contains("pixel_auroc"), "\(evaluation.error)")
        let scored = try Loupe.run(["infer", "--run", folder + "/two", "--output", folder + "/scores.csv", "samples/texture/test"])
        #expect(scored.status == 0, "\(scored.error)")
        let exported = try Loupe.run(["export", "--run", folder + "/two", "--output", folder + "/two.onnx"])
        #expect(exported.status == 0 && FileManager.default.fileExists(atPath: folder + "/two.onnx"), "\(exported.error)")
        let three = try Loupe.run(["train", "--data", "samples/texture", "--run", folder + "/three", "--epochs", "1", "--size", "64",
                                   "--backbone", "efficientnet-lite0,efficientnet-lite2,resnet18"] + method)
        #expect(three.status == 1 && three.error.contains("1 to 2 teachers"), "\(three.error)")
    }

    /// `train --config` reads what a run wrote: a second run from it trains the same losses;
    /// options override it; `--resume` alone picks up a run's own settings; a mistake in it is
    /// one line naming the file, line and key.
    @Test func configFileReproducesARunAndNamesMistakes() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-config-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try Loupe.run(["train", "--data", "samples/texture", "--run", folder + "/a", "--epochs", "2", "--size", "64",
                                   "--method", "rd-mff", "--heads", "2", "--seed", "5"])
        #expect(first.status == 0, "\(first.error)")
        let again = try Loupe.run(["train", "--config", folder + "/a/config.toml", "--run", folder + "/b"])
        #expect(again.status == 0, "\(again.error)")
        func losses(_ run: String) throws -> [Substring] {
            try String(contentsOfFile: run + "/train-log.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").prefix(3).joined(separator: ",")[...] }
        }
        #expect(try losses(folder + "/a") == losses(folder + "/b"))
        #expect(try String(contentsOfFile: folder + "/b/config.toml", encoding: .utf8) == String(contentsOfFile: folder + "/a/config.toml", encoding: .utf8))
        // An option overrides the file.
        let shorter = try Loupe.run(["train", "--config", folder + "/a/config.toml", "--run", folder + "/c", "--epochs", "1", "--no-mff",
                                     "--image-score", "top-5-mean"])
        #expect(shorter.status == 0, "\(shorter.error)")
        let written = try String(contentsOfFile: folder + "/c/config.toml", encoding: .utf8)
        #expect(written.contains("epochs = 1\n") && written.contains("mff = false") && written.contains("heads = 2"))
        #expect(written.contains("\nimage_score = \"top-5-mean\""))
        // --resume alone continues a run with its own settings (rd-mff, 2 heads, seed 5) and
        // ends as the uninterrupted one did.
        let stopped = try Loupe.run(["train", "--config", folder + "/a/config.toml", "--run", folder + "/e", "--epochs", "1"])
        #expect(stopped.status == 0, "\(stopped.error)")
        // Evaluated part-way: the scores and metrics of epoch 1's weights go once epoch 2 replaces them.
        #expect(try Loupe.run(["eval", "--run", folder + "/e"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: folder + "/e/metrics.json"))
        let resumed = try Loupe.run(["train", "--run", folder + "/e", "--resume", "--epochs", "2"])
        #expect(resumed.status == 0 && resumed.error.contains("resuming"), "\(resumed.error)")
        #expect(try losses(folder + "/e") == losses(folder + "/a"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/e/metrics.json") && !FileManager.default.fileExists(atPath: folder + "/e/scores.csv"))
        // Garbage appended to the file.
        let broken = folder + "/broken.toml"
        try (String(contentsOfFile: folder + "/a/config.toml", encoding: .utf8) + "epochs = 3\n").write(toFile: broken, atomically: true, encoding: .utf8)
        let result = try Loupe.run(["train", "--config", broken, "--run", folder + "/d"])
        #expect(result.status == 1 && result.error.contains(broken + ":") && result.error.contains("epochs"), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/d"))
    }
}
