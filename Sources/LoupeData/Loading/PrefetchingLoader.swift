import Foundation

/// Loads items `0..<count` on background threads, at most `prefetch` ahead of the
/// consumer, and hands them back in order.
///
/// Training never waits for disk while decoding keeps up, and memory stays bounded by
/// `prefetch` items however many images a folder holds. Dropping the loader stops the
/// work not yet started.
public final class PrefetchingLoader<Item: Sendable>: Sequence, IteratorProtocol, @unchecked Sendable {
    private let count: Int
    private let load: @Sendable (Int) throws -> Item
    private let slots: DispatchSemaphore
    private let condition = NSCondition()
    private var ready: [Int: Result<Item, Error>] = [:]
    private var nextIndex = 0
    private var cancelled = false

    /// - Parameters:
    ///   - count: how many items.
    ///   - prefetch: the most items decoded but not yet consumed (and in flight).
    ///   - load: produces item `i`; runs concurrently on several threads.
    public init(count: Int, prefetch: Int = 2 * ProcessInfo.processInfo.activeProcessorCount,
                load: @escaping @Sendable (Int) throws -> Item) {
        self.count = count
        self.load = load
        slots = DispatchSemaphore(value: Swift.max(1, prefetch))
        let producer = Thread { [weak self] in self?.produce() }
        producer.name = "loupe.loader"
        producer.start()
    }

    deinit {
        condition.lock()
        cancelled = true
        condition.unlock()
        // Let a producer blocked on a slot wake up and see the cancellation.
        slots.signal()
    }

    private func produce() {
        for index in 0..<count {
            slots.wait()
            condition.lock()
            let stop = cancelled
            condition.unlock()
            if stop { return }
            let load = self.load
            DispatchQueue.global(qos: .userInitiated).async { [weak self] in
                let result = Result { try load(index) }
                guard let self else { return }
                self.condition.lock()
                self.ready[index] = result
                self.condition.broadcast()
                self.condition.unlock()
            }
        }
    }

    /// The next item in order (waiting for it if needed), or nil after the last.
    /// A failed load is returned as its error so the caller decides (skip or stop).
    public func next() -> Result<Item, Error>? {
        guard nextIndex < count else { return nil }
        condition.lock()
        while ready[nextIndex] == nil { condition.wait() }
        let result = ready.removeValue(forKey: nextIndex)!
        condition.unlock()
        nextIndex += 1
        slots.signal()
        return result
    }
}
