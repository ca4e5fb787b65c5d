import ArgumentParser
import CProcessControl
import Foundation
import LoupeTensor

/// `--threads` and `--cores`, shared by every command that runs the engine: batch systems
/// hand a job a number of cores, and the engine should use exactly those.
struct EngineOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Engine threads.", discussion: "Default: LOUPE_THREADS, else OMP_NUM_THREADS, else the cores this process may use (its affinity mask and CPU quota)."))
    var threads: Int?

    @Option(help: ArgumentHelp("Run on these cores only, e.g. 0 or 2,3 (one engine thread per core unless --threads says otherwise).",
                               discussion: "Like `taskset -c`; `loupe compare --lanes` pins each run it starts this way."))
    var cores: String?

    func validate() throws {
        if let threads, !(1...Parallel.maximumThreads).contains(threads) {
            throw ValidationError("--threads: \(threads); expected a whole number from 1 to \(Parallel.maximumThreads)")
        }
        _ = try coreList()
    }

    /// --cores as numbers.
    func coreList() throws -> [Int32]? {
        try cores.map { text in
            let list = text.split(separator: ",").map { Int32($0.trimmingCharacters(in: .whitespaces)) }
            guard !list.isEmpty, list.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                throw ValidationError("--cores: '\(text)' is not a comma-separated list of core numbers from 0, e.g. 0 or 2,3")
            }
            return list.map { $0! }
        }
    }

    /// Hands `--threads` and `--cores` to the engine; call before any engine work (its
    /// thread count is fixed at first use).
    func apply() throws {
        if let threads { setenv("LOUPE_THREADS", "\(threads)", 1) }
        if let list = try coreList() {
            let status = list.withUnsafeBufferPointer { loupe_pin_to_cores($0.baseAddress, Int32($0.count)) }
            guard status == 0 else {
                throw ValidationError("--cores \(cores!): this process may not run there")
            }
        }
    }
}
