import ArgumentParser
import Foundation
import LoupeTensor

/// `--threads`, shared by every command that runs the engine: batch systems hand a job a
/// number of cores, and the engine should use exactly those.
struct EngineOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Engine threads.", discussion: "Default: LOUPE_THREADS, else OMP_NUM_THREADS, else the cores this process may use (its affinity mask and CPU quota)."))
    var threads: Int?

    func validate() throws {
        if let threads, !(1...Parallel.maximumThreads).contains(threads) {
            throw ValidationError("--threads: \(threads); expected a whole number from 1 to \(Parallel.maximumThreads)")
        }
    }

    /// Hands `--threads` to the engine; call before any engine work (its thread count is
    /// fixed at first use).
    func apply() {
        if let threads { setenv("LOUPE_THREADS", "\(threads)", 1) }
    }
}
