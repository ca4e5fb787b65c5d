import Foundation
import LoupeEngine
import Testing

/// Writing into a run folder: a failure names the file and the system's reason (not
/// Foundation's "The operation could not be completed"); disk-full and read-only cases run
/// in `make soak`, which needs root for its tmpfs mounts.
@Suite struct RunFolderWriteTests {
    @Test func aFailedWriteNamesTheFileAndTheSystemsReason() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-write-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try RunFolder.createFolder(folder)
        try RunFolder.write("first", to: folder + "/scores.csv")
        // A file where a folder should be: the write below it cannot happen.
        #expect(throws: RunError.cannotWrite(path: folder + "/scores.csv/x.csv", reason: "No such file or directory")) {
            try RunFolder.write("second", to: folder + "/scores.csv/x.csv")
        }
        #expect(throws: RunError.cannotWrite(path: folder + "/scores.csv/maps", reason: "Not a directory")) {
            try RunFolder.createFolder(folder + "/scores.csv/maps")
        }
        #expect(try String(contentsOfFile: folder + "/scores.csv", encoding: .utf8) == "first")
        #expect("\(RunError.cannotWrite(path: "p", reason: "No space left on device"))" == "p: cannot write: No space left on device (a file already there is unchanged)")
    }
}
