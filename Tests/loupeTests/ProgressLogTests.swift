import Foundation
import Testing

/// Progress where no terminal is (Slurm and Kubernetes write standard error to a file): plain
/// lines with done/total, rate and ETA, then a last line; nothing for work shorter than
/// the interval.
@Suite struct ProgressLogTests {
    static func run(_ arguments: [String], stderrTo log: String, interval: String) throws -> Int32 {
        FileManager.default.createFile(atPath: log, contents: nil)
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
        let weights = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/loupe/weights/efficientnet-lite0-57934424.pth")
        guard FileManager.default.fileExists(atPath: weights.path) || ProcessInfo.processInfo.environment["LOUPE_REQUIRE_WEIGHTS"] == "1" else { return }
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
}
