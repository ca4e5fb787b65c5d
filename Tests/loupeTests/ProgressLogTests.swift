import Foundation
import LoupeEngine
import Testing

/// Progress where no terminal is (Slurm and Kubernetes write standard error to a file): plain
/// lines with done/total, rate and ETA, then a last line; nothing for work shorter than
/// the interval.
@Suite struct ProgressLogTests {
    static func run(_ arguments: [String], stderrTo log: String, interval: String) throws -> Int32 {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = Loupe.executable
        process.arguments = arguments
        process.currentDirectoryURL = Loupe.repository
        var environment = ProcessInfo.processInfo.environment
        environment["LOUPE_PROGRESS_SECONDS"] = interval
        process.environment = environment
        let handle = try #require(FileHandle(forWritingAtPath: log))
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return process.terminationStatus
    }

    @Test func evalWritesProgressLinesToALogFile() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = folder + "/run"
        #expect(try Self.run(["train", "--data", "samples/texture", "--run", run, "--epochs", "1", "--size", "64", "--no-feature-cache"],
                             stderrTo: folder + "/train.log", interval: "1000") == 0)
        // Work shorter than the interval adds nothing to the log.
        #expect(try Self.run(["eval", "--run", run], stderrTo: folder + "/quiet.log", interval: "1000") == 0)
        #expect(try String(contentsOfFile: folder + "/quiet.log", encoding: .utf8).isEmpty)
        #expect(try Self.run(["eval", "--run", run], stderrTo: folder + "/eval.log", interval: "0.02") == 0)
        let lines = try String(contentsOfFile: folder + "/eval.log", encoding: .utf8).split(separator: "\n")
        let progress = lines.filter { $0.hasPrefix("scoring: ") && $0.contains("/s  ETA ") }
        #expect(progress.count >= 2, "\(lines)")
        #expect(lines.last?.hasPrefix("scoring: 48/48 done in ") == true, "\(lines)")
        #expect(!lines.contains { $0.contains("\r") || $0.contains("█") }, "no bar drawing in a log")
    }

    /// A training log says when the whole run ends (ETA on every epoch line but the last),
    /// and `--quiet` leaves progress out of every command's log: train (no epoch or stage
    /// lines), eval, data check, while results still print.
    @Test func epochLinesCarryTheRunsETAAndQuietSilencesEveryCommand() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = folder + "/run"
        #expect(try Self.run(["train", "--data", "samples/texture", "--run", run, "--epochs", "3", "--size", "64", "--no-feature-cache"],
                             stderrTo: folder + "/train.log", interval: "1000") == 0)
        let epochLines = try String(contentsOfFile: folder + "/train.log", encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(epochLines.count == 3 && epochLines.prefix(2).allSatisfy { $0.contains("  ETA 0:") } && !epochLines[2].contains("ETA"), "\(epochLines)")
        for (name, arguments) in [("train", ["train", "--data", "samples/texture", "--run", folder + "/quiet-run", "--epochs", "1", "--size", "64",
                                             "--no-feature-cache", "--quiet"]),
                                  ("eval", ["eval", "--run", run, "--quiet"]),
                                  ("check", ["data", "check", "samples/texture", "--quiet"])] {
            #expect(try Self.run(arguments, stderrTo: folder + "/\(name).log", interval: "0") == 0)
            // Warnings (a BatchNorm recalibration after one epoch) stay; progress goes.
            let log = try String(contentsOfFile: folder + "/\(name).log", encoding: .utf8)
            let progress = ["epoch ", "stage ", "teacher features", "decoding", "scoring"]
            #expect(!log.split(separator: "\n").contains { line in progress.contains { line.hasPrefix($0) } }, "\(name) --quiet wrote: \(log)")
        }
    }
}

/// `--json` lines reach a pipe or log file as they happen, not when the buffer fills or
/// the process ends: a script following `loupe train --json` sees each epoch.
@Suite struct JSONLineFlushTests {
    @Test func trainingEpochLinesArriveWhileTheRunGoesOn() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = Process()
        process.executableURL = Loupe.executable
        process.arguments = ["train", "--data", "samples/texture", "--run", folder + "/run", "--epochs", "6", "--size", "64",
                             "--no-feature-cache", "--json", "--quiet"]
        process.currentDirectoryURL = Loupe.repository
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var received = Data()
        var lastEpochAtFirst: Bool?
        while lastEpochAtFirst == nil {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // end of file: the process closed its output
            received.append(chunk)
            let text = String(decoding: received, as: UTF8.self)
            if text.contains("\"epoch\":1,") { lastEpochAtFirst = text.contains("\"epoch\":6,") }
        }
        _ = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // Five more epochs follow the first one's line; buffered, all six would arrive at exit.
        #expect(lastEpochAtFirst == false, "\(String(decoding: received, as: UTF8.self))")
    }
}

/// Threads as batch systems set them, recorded in the run.
@Suite struct ThreadOptionTests {
    static func train(_ run: String, arguments: [String] = ["--no-feature-cache"], environment extra: [String: String] = [:]) throws -> Int32 {
        var environment: [String: String?] = ["LOUPE_THREADS": nil, "OMP_NUM_THREADS": nil]
        for (key, value) in extra { environment[key] = value }
        return try Loupe.run(["train", "--data", "samples/texture", "--run", run, "--epochs", "1", "--size", "64"] + arguments,
                             environment: environment).status
    }

    @Test func threadsComeFromTheOptionOrTheEnvironmentAndAreRecorded() throws {
        guard Loupe.weightsAvailable else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try Self.train(folder + "/option", arguments: ["--threads", "1", "--no-feature-cache"]) == 0)
        #expect(try Checkpoint.readMetadata(folder + "/option/model.safetensors").threads == 1)
        #expect(try Self.train(folder + "/omp", environment: ["OMP_NUM_THREADS": "3"]) == 0)
        #expect(try Checkpoint.readMetadata(folder + "/omp/model.safetensors").threads == 3)
        #expect(try Self.train(folder + "/both", arguments: ["--threads", "1", "--no-feature-cache"], environment: ["OMP_NUM_THREADS": "3"]) == 0)
        #expect(try Checkpoint.readMetadata(folder + "/both/model.safetensors").threads == 1)
        try CommandLineTests.expectOneLineStatusOne([(["train", "--data", "samples/texture", "--run", folder + "/x", "--threads", "0"],
                                                      "--threads: 0; expected a whole number from 1 to 256")])
    }
}

/// XDG_CACHE_HOME, as batch nodes set it, holds the feature cache (and the weights).
@Suite struct CacheFolderTests {
    @Test func featuresGoUnderXDGCacheHome() throws {
        let weights = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/loupe/weights")
        guard FileManager.default.fileExists(atPath: weights.path + "/efficientnet-lite0-57934424.pth")
                || ProcessInfo.processInfo.environment["LOUPE_REQUIRE_WEIGHTS"] == "1" else { return }
        let folder = HostileInputTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["XDG_CACHE_HOME": folder + "/cache", "LOUPE_CACHE": "",
                           "LOUPE_WEIGHTS": ProcessInfo.processInfo.environment["LOUPE_WEIGHTS"] ?? weights.path]
        #expect(try ThreadOptionTests.train(folder + "/run", arguments: [], environment: environment) == 0)
        let stored = (try? FileManager.default.subpathsOfDirectory(atPath: folder + "/cache/loupe/features")) ?? []
        #expect(!stored.isEmpty, "no features under XDG_CACHE_HOME/loupe/features")
    }
}
