import Foundation

/// Splits index ranges over the cores; the one place engine loops go parallel.
public enum Parallel {
    /// Engine threads: `LOUPE_THREADS` (`--threads` sets it), else `OMP_NUM_THREADS` as batch
    /// systems set it, else the cores available to this process (its affinity mask and CPU
    /// quota: `taskset`, cpusets, a batch scheduler's binding, a container's limit).
    public static let coreCount = threads(environment: ProcessInfo.processInfo.environment, allowed: AllowedCores.count)

    /// The most engine threads asked for that are taken (`--threads` refuses more).
    public static let maximumThreads = 256

    /// The thread count the environment asks for (a positive whole number), else `allowed`.
    static func threads(environment: [String: String], allowed: Int) -> Int {
        for key in ["LOUPE_THREADS", "OMP_NUM_THREADS"] {
            if let text = environment[key], let count = Int(text.trimmingCharacters(in: .whitespaces)), count > 0 { return min(count, maximumThreads) }
        }
        return allowed
    }

    /// Runs `body` over `0..<count` split into contiguous chunks, `chunksPerCore` per core,
    /// when there is at least `grain` work per chunk; otherwise runs it inline. Threads claim
    /// chunks as they free up, so more chunks even out a loop whose chunks run unevenly.
    public static func forChunks(of count: Int, grain: Int = 16_384, chunksPerCore: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(coreCount * max(chunksPerCore, 1), count / max(grain, 1))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        WorkerPool.shared.run(chunks) { chunk in
            body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count` across the cores.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        WorkerPool.shared.run(count, body)
    }
}

/// Carries a value into a `@Sendable` closure. The engine's parallel loops write disjoint
/// ranges of buffers, which the compiler cannot prove; this is where we vouch for it.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
