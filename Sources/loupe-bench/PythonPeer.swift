import Foundation
import LoupeTensor

/// Runs a Python peer script with Debian's python3 (where PyTorch is installed) and reads
/// the JSON objects it prints, one per line: every PyTorch comparison goes through here.
enum PythonPeer {
    /// The script's JSON lines, or nil when it cannot run.
    static func jsonLines(_ script: String, _ arguments: [String], showErrors: Bool = false) -> [[String: Any]]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script] + arguments
        // PyTorch's matrix products go through the same OpenBLAS: on the kernels Loupe chose
        // (`OpenBLASKernel`), not an older set OpenBLAS may fall back to for a CPU it does not know.
        var environment = ProcessInfo.processInfo.environment
        if environment["OPENBLAS_CORETYPE"] == nil { environment["OPENBLAS_CORETYPE"] = OpenBLASKernel.current }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        if !showErrors { process.standardError = FileHandle.nullDevice }
        guard (try? process.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
