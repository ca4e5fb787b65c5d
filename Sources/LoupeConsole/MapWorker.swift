import Dispatch
import Foundation
import LoupeEngine
import LoupeImaging

/// Computes anomaly maps off the UI thread: the console asks for the selected image's map
/// and draws without it until it is ready, so a frame never waits on the network.
final class MapWorker: @unchecked Sendable {
    private let queue = DispatchQueue(label: "loupe.console.maps", qos: .userInitiated)
    private let lock = NSLock()
    private var maps: [String: FrameMap] = [:]
    private var pending: Set<String> = []
    private var failures: [String: String] = [:]
    private var scorer: Scorer?
    private var generation = 0
    private let run: RunFolder
    /// The run's ROI run at another path than recorded (nil: as recorded).
    private let regionRun: String?
    /// Set when a map becomes ready, so the controller knows to redraw.
    private var readySinceLastCheck = false

    init(run: RunFolder, regionRun: String? = nil) {
        self.run = run
        self.regionRun = regionRun
    }

    /// An image's anomaly map at the resolution the run scores it (the input size, or the
    /// native frame for tiled runs).
    struct FrameMap {
        let width: Int, height: Int
        let values: [Float]
        /// With a ROI run: the part's box the detector looked at (frame pixels).
        var region: RegionCrop? = nil
    }

    /// The map of `path` if ready; otherwise starts computing it and returns nil. A map
    /// that `eval --save-maps` saved for this model is read instead of computed.
    func map(for path: String, kind: String) -> FrameMap? {
        lock.lock()
        defer { lock.unlock() }
        if let map = maps[path] { return map }
        guard !pending.contains(path), failures[path] == nil else { return nil }
        pending.insert(path)
        let generation = self.generation
        queue.async { [self] in
            // Forgotten (invalidated or finished) while queued: nothing to compute.
            lock.lock()
            let stale = generation != self.generation
            lock.unlock()
            if stale { return }
            let result = Result { () -> FrameMap in
                let scorer = try currentScorer()
                // A ROI run's saved maps lack the box the console outlines: those are computed.
                if scorer.preprocessing.region == nil, let saved = EvaluationJob.savedMap(of: run, kind: kind, imagePath: path, range: scorer.mapRange) {
                    return FrameMap(width: saved.width, height: saved.height, values: saved.values)
                }
                let prepared = try scorer.preprocessing.prepare(path)
                return FrameMap(width: prepared.width, height: prepared.height, values: scorer.anomalyMap(prepared), region: prepared.region)
            }
            lock.lock()
            defer { lock.unlock() }
            guard generation == self.generation else { return }
            pending.remove(path)
            switch result {
            case let .success(map): maps[path] = map
            case let .failure(error): failures[path] = "\(error)"
            }
            readySinceLastCheck = true
        }
        return nil
    }

    func failure(for path: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return failures[path]
    }

    /// True once after any map finished.
    func takeReady() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        defer { readySinceLastCheck = false }
        return readySinceLastCheck
    }

    /// Forgets maps and the model (after training wrote a new checkpoint).
    func invalidate() {
        lock.lock()
        defer { lock.unlock() }
        generation += 1
        maps = [:]
        pending = []
        failures = [:]
        queue.async { [self] in scorer = nil }
    }

    /// Waits for the map being computed (and any queued): the process must not exit while
    /// its threads are inside BLAS, whose buffers the exit handlers free.
    func finish() {
        lock.lock()
        generation += 1
        pending = []
        lock.unlock()
        queue.sync {}
    }

    /// Called on `queue` only.
    private func currentScorer() throws -> Scorer {
        if let scorer { return scorer }
        let checkpoint = try Checkpoint.read(run.checkpoint)
        let made = try Scorer(checkpoint: checkpoint, path: run.checkpoint, regionRun: regionRun)
        scorer = made
        return made
    }
}
