import Foundation
import Synchronization

/// The engine's own threads for `Parallel`: one per core beyond the caller's, kept for the
/// process's life.
///
/// Dispatch's `concurrentPerform` kept two pool threads beside the calling one, so three
/// threads took turns on two cores and a loop's halves were preempted mid-chunk (~1,200
/// context switches a second in RD training steps; ~50 with this pool). Here the caller
/// works too, iterations are claimed one at a time from a shared counter, so a late thread
/// leaves its share to the others, and every thread polls briefly before it sleeps, so
/// the ~300 loops of a training step start without a wake-up each. Interleaved with
/// Dispatch step by step, an RD training step ran 3–5 % faster. The workers and each
/// caller flush denormals to zero (`DenormalFlushing`), so a loop's chunks agree on them.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(workers: Parallel.coreCount - 1)

    /// How long a thread polls before it sleeps: longer than the gaps between a step's
    /// loops, short enough not to hold a core when work stops.
    static let pollNanoseconds: UInt64 = 200_000

    let workerCount: Int
    /// Bumped for every published loop; idle workers poll it.
    private let generation = Atomic<Int>(0)
    /// Held by the thread running a loop; a call from a loop's body or from a second
    /// thread meanwhile runs inline on its caller.
    private let running = Atomic<Bool>(false)
    /// Sleeping workers wait here for a loop, a sleeping caller for its loop's end.
    private let condition = NSCondition()
    /// The loop being run, guarded by `condition`.
    private var current: Loop?
    /// Workers asleep on `condition`, guarded by it.
    private var sleepingWorkers = 0

    /// Keep the pool for the process's life (a `static let`): its threads never end and hold
    /// it unowned, so freeing it while a worker polls traps.
    init(workers: Int) {
        workerCount = max(0, workers)
        for index in 0..<workerCount {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "loupe-worker-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count` on the caller and the workers, in any
    /// order; returns when all are done.
    func run(_ count: Int, _ body: (Int) -> Void) {
        // Every thread that runs a loop's iterations computes in the same mode.
        DenormalFlushing.enableOnCurrentThread()
        guard count > 1, workerCount > 0,
              running.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for index in 0..<count { body(index) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let loop = Loop(count: count, body: body)
            condition.lock()
            current = loop
            generation.wrappingAdd(1, ordering: .releasing)
            if sleepingWorkers > 0 { condition.broadcast() }
            condition.unlock()
            loop.runIterations(signalling: condition)
            waitUntil { loop.isFinished } orSleep: {
                loop.callerSleeps.store(true, ordering: .sequentiallyConsistent)
                while !loop.isFinished { condition.wait() }
            }
            condition.lock()
            current = nil
            condition.unlock()
            // No thread reads the body after the last iteration finished.
            loop.body = nil
        }
        running.store(false, ordering: .releasing)
    }

    /// A worker's life: wait for a loop, help run it, repeat.
    private func work() {
        DenormalFlushing.enableOnCurrentThread()
        var seen = 0
        while true {
            waitUntil { generation.load(ordering: .acquiring) != seen } orSleep: {
                sleepingWorkers += 1
                while generation.load(ordering: .acquiring) == seen { condition.wait() }
                sleepingWorkers -= 1
            }
            condition.lock()
            seen = generation.load(ordering: .acquiring)
            let loop = current
            condition.unlock()
            loop?.runIterations(signalling: condition)
        }
    }

    /// Polls `done` for `pollNanoseconds`, then runs `sleep` holding `condition`'s lock.
    private func waitUntil(_ done: () -> Bool, orSleep sleep: () -> Void) {
        var polls = 0
        var started: UInt64 = 0
        while !done() {
            polls += 1
            guard polls & 255 == 0 else { continue }
            let now = DispatchTime.now().uptimeNanoseconds
            if started == 0 { started = now }
            if now - started >= Self.pollNanoseconds {
                condition.lock()
                sleep()
                condition.unlock()
                return
            }
        }
    }
}

/// One parallel loop: iterations are claimed through `next`; `finished` counts those done.
private final class Loop: @unchecked Sendable {
    let count: Int
    /// The caller's non-escaping body; cleared before the caller's scope ends.
    var body: ((Int) -> Void)?
    let next = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
    /// Set (then `finished` re-read) by a caller going to sleep; the thread finishing the
    /// last iteration reads it after its increment, so one of the two sees the other.
    let callerSleeps = Atomic<Bool>(false)

    init(count: Int, body: @escaping (Int) -> Void) {
        self.count = count
        self.body = body
    }

    var isFinished: Bool { finished.load(ordering: .sequentiallyConsistent) == count }

    /// Claims and runs iterations until none are left; wakes a sleeping caller after the last.
    func runIterations(signalling condition: NSCondition) {
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < count else { return }
            body.unsafelyUnwrapped(index)
            if finished.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue == count,
               callerSleeps.load(ordering: .sequentiallyConsistent) {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
        }
    }
}
