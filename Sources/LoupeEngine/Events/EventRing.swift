import Foundation

/// A bounded, lock-protected queue of events between a background job and the UI: the job
/// publishes as it goes; the UI drains everything once per frame and never waits. When the
/// UI falls behind, the oldest events are dropped (and counted), so memory stays bounded.
public final class EventRing<Event: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer: [Event?]
    private var start = 0, count = 0
    public private(set) var dropped = 0

    public init(capacity: Int = 4096) {
        buffer = Array(repeating: nil, count: max(1, capacity))
    }

    public func publish(_ event: Event) {
        lock.lock()
        defer { lock.unlock() }
        if count == buffer.count {
            start = (start + 1) % buffer.count
            count -= 1
            dropped += 1
        }
        buffer[(start + count) % buffer.count] = event
        count += 1
    }

    /// Everything published since the last drain, oldest first.
    public func drain() -> [Event] {
        lock.lock()
        defer { lock.unlock() }
        var events: [Event] = []
        events.reserveCapacity(count)
        for offset in 0..<count {
            let index = (start + offset) % buffer.count
            if let event = buffer[index] { events.append(event) }
            buffer[index] = nil
        }
        start = 0
        count = 0
        return events
    }
}
