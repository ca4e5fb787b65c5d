import Foundation
import LoupeTensor

/// Loads items `0..<count` on background threads, at most `prefetch` ahead of the
/// consumer, and hands them back in order.
///
/// Training never waits for disk while decoding keeps up, and memory stays bounded by
/// `prefetch` items however many images a folder holds. Dropping the loader stops the
/// work not yet started.
public final class PrefetchingLoader<Item: Sendable>: Sequence, IteratorProtocol, @unchecked Sendable {
    /// What the producer thread and the loads share with the consumer. The producer holds
    /// this, never the loader, so dropping the loader runs `deinit` and cancels the work.
    private final class Shared: @unchecked Sendable {
        let condition = NSCondition()
        var ready: [Int: Result<Item, Error>] = [:]
        /// Loads started but not yet handed to the consumer.
        var inFlight = 0
        var cancelled = false
    }

    private let count: Int
    private let shared = Shared()
    private var nextIndex = 0

    /// - Parameters:
    ///   - count: how many items.
    ///   - prefetch: the most items decoded but not yet consumed (and in flight).
    ///   - load: produces item `i`; runs concurrently on several threads.
    public init(count: Int, prefetch: Int = 2 * Parallel.coreCount,
                load: @escaping @Sendable (Int) throws -> Item) {
        self.count = count
        let shared = self.shared, limit = Swift.max(1, prefetch)
        let producer = Thread {
            for index in 0..<count {
                shared.condition.lock()
                while shared.inFlight >= limit && !shared.cancelled { shared.condition.wait() }
                let stop = shared.cancelled
                if !stop { shared.inFlight += 1 }
                shared.condition.unlock()
                if stop { return }
                DispatchQueue.global(qos: .userInitiated).async {
                    let result = Result { try load(index) }
                    shared.condition.lock()
                    shared.ready[index] = result
                    shared.condition.broadcast()
                    shared.condition.unlock()
                }
            }
        }
        producer.name = "loupe.loader"
        producer.start()
    }

    deinit {
        shared.condition.lock()
        shared.cancelled = true
        shared.condition.broadcast()  // wake a producer waiting for a free slot
        shared.condition.unlock()
    }

    /// The next item in order (waiting for it if needed), or nil after the last.
    /// A failed load is returned as its error so the caller decides (skip or stop).
    public func next() -> Result<Item, Error>? {
        guard nextIndex < count else { return nil }
        shared.condition.lock()
        while shared.ready[nextIndex] == nil { shared.condition.wait() }
        let result = shared.ready.removeValue(forKey: nextIndex)!
        shared.inFlight -= 1
        shared.condition.broadcast()
        shared.condition.unlock()
        nextIndex += 1
        return result
    }
}
