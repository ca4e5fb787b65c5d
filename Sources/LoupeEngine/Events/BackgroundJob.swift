import Foundation

/// What a background job tells the UI.
public enum JobEvent: Sendable {
    case training(TrainingEvent)
    case progress(done: Int, total: Int)
    /// One test image scored by an evaluation, as soon as it is.
    case scored(ScoredImage)
    /// One file scored by an inference job (a folder being scored).
    case inferred(InferenceJob.Result)
    case finished
    case failed(String)
    case cancelled
}

/// Runs a job on its own Dispatch queue, publishing into an `EventRing`; `cancel()` is
/// honoured at the job's next check (once per batch or image).
public final class BackgroundJob: @unchecked Sendable {
    public let events = EventRing<JobEvent>()
    private let queue: DispatchQueue
    private let lock = NSLock()
    private var cancelRequested = false
    private let done = DispatchSemaphore(value: 0)

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelRequested
    }

    /// Starts `work` at once; it receives this job to publish events and poll cancellation.
    public init(label: String, work: @escaping @Sendable (BackgroundJob) throws -> Void) {
        queue = DispatchQueue(label: "loupe.job.\(label)", qos: .userInitiated)
        queue.async { [self] in
            do {
                try work(self)
                events.publish(.finished)
            } catch RunError.cancelled {
                events.publish(.cancelled)
            } catch {
                events.publish(.failed("\(error)"))
            }
            done.signal()
        }
    }

    public func cancel() {
        lock.lock()
        cancelRequested = true
        lock.unlock()
    }

    /// Blocks until the job has ended (for tests and the command line, never the UI).
    public func wait() { done.wait(); done.signal() }

    /// A training job in the background.
    public static func training(_ job: TrainingJob) -> BackgroundJob {
        BackgroundJob(label: "train") { background in
            try job.start(events: { background.events.publish(.training($0)) }, isCancelled: { background.isCancelled })
        }
    }

    /// Scoring a folder (or files) in the background: one `inferred` event per image.
    public static func inference(_ job: InferenceJob) -> BackgroundJob {
        BackgroundJob(label: "infer") { background in
            let total = job.shard.select(job.images).count
            var done = 0
            try job.start(scored: { result in
                done += 1
                background.events.publish(.inferred(result))
                background.events.publish(.progress(done: done, total: total))
            }, isCancelled: { background.isCancelled })
        }
    }

    /// An evaluation job in the background.
    public static func evaluation(_ job: EvaluationJob) -> BackgroundJob {
        BackgroundJob(label: "eval") { background in
            _ = try job.start(progress: { background.events.publish(.progress(done: $0, total: $1)) },
                              scored: { background.events.publish(.scored($0)) },
                              isCancelled: { background.isCancelled })
        }
    }
}
