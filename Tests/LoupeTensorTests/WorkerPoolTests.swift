import Foundation
@testable import LoupeTensor
import Synchronization
import Testing

/// The worker pool runs every iteration exactly once and returns only when all are done:
/// across many short loops (workers arriving late to a finished loop), after its threads
/// fell asleep, with a slow iteration that puts the caller to sleep, with loops started
/// from inside a loop, and with several threads calling at once.
@Suite struct WorkerPoolTests {
    /// Three workers beside the caller, more threads than this machine's cores, so they
    /// also contend.
    static let pool = WorkerPool(workers: 3)

    /// Runs one loop of `count` iterations that mark their index; all marks must be 1.
    static func marksEachIndexOnce(_ pool: WorkerPool, count: Int, slowIndex: Int? = nil) -> Bool {
        let marks = UnsafeMutablePointer<Int>.allocate(capacity: count)
        defer { marks.deallocate() }
        marks.initialize(repeating: 0, count: count)
        pool.run(count) { index in
            if index == slowIndex { Thread.sleep(forTimeInterval: 0.002) }
            marks[index] += 1
        }
        return (0..<count).allSatisfy { marks[$0] == 1 }
    }

    @Test func manyShortLoops() {
        for round in 0..<2_000 {
            #expect(Self.marksEachIndexOnce(Self.pool, count: 2 + round % 37), "round \(round)")
        }
    }

    @Test func afterTheWorkersSleptAndWithACallerThatSleeps() {
        for round in 0..<5 {
            Thread.sleep(forTimeInterval: 0.003)  // longer than the polling: workers sleep
            #expect(Self.marksEachIndexOnce(Self.pool, count: 64), "after a pause, round \(round)")
            #expect(Self.marksEachIndexOnce(Self.pool, count: 4, slowIndex: round % 4), "slow iteration, round \(round)")
        }
    }

    /// A pool only the next test uses. Static, as every pool lives as long as the process:
    /// its workers hold it unowned, and one still polling when a local pool was freed crashed.
    static let lonePool = WorkerPool(workers: 1)

    /// Its own pool, so no other test holds it: a sleeping worker must wake and take the
    /// second iteration while the caller is busy with the first.
    @Test func sleepingWorkersWakeForTheNextLoop() {
        let pool = Self.lonePool
        Thread.sleep(forTimeInterval: 0.005)
        let threads = Mutex(Set<UInt>())
        pool.run(2) { _ in
            threads.withLock { _ = $0.insert(UInt(pthread_self())) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(threads.withLock { $0.count } == 2)
    }

    @Test func loopsInsideALoopRunInline() {
        let sums = UnsafeMutablePointer<Int>.allocate(capacity: 8)
        defer { sums.deallocate() }
        sums.initialize(repeating: 0, count: 8)
        Self.pool.run(8) { outer in
            Self.pool.run(100) { inner in sums[outer] += inner }
        }
        #expect((0..<8).allSatisfy { sums[$0] == 4_950 })
    }

    @Test func severalCallersAtOnce() {
        let callers = 4, rounds = 200
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for round in 0..<rounds where !Self.marksEachIndexOnce(Self.pool, count: 3 + (caller + round) % 29) {
                failures.withLock { $0 += 1 }
            }
        }
        #expect(failures.withLock { $0 } == 0)
    }
}
