import Foundation
@testable import LoupeTensor
import Testing

#if canImport(Glibc) && (arch(x86_64) || arch(arm64))
import Glibc

/// The engine's loops run with denormals flushed to zero on the caller and on the workers,
/// however the thread that calls them was set up.
@Suite struct DenormalFlushingTests {
    /// A pool lives as long as the process (its workers hold it unowned), so the test keeps
    /// its own in a static, first touched on the thread whose mode the test cleared.
    static let pool = WorkerPool(workers: 1)

    /// Half the smallest normal float: a denormal unless results are flushed.
    @inline(never) static func halfOfSmallestNormal(_ scale: Float) -> Float { Float.leastNormalMagnitude * scale }
    /// The smallest denormal plus zero: itself unless denormal inputs read as zero.
    @inline(never) static func smallestDenormalPlus(_ zero: Float) -> Float { Float.leastNonzeroMagnitude + zero }

    /// Clears the calling thread's flush bits, as a thread another library started may have them.
    static func clearFlushing() {
        var environment = fenv_t()
        fegetenv(&environment)
        #if arch(x86_64)
        environment.__mxcsr &= ~(UInt32(1 << 15 | 1 << 6))
        #else
        environment.__fpcr &= ~UInt32(1 << 24)
        #endif
        fesetenv(&environment)
    }

    @Test func loopsFlushOnTheCallerAndTheWorkers() async {
        let (before, during, after) = await withCheckedContinuation { continuation in
            let thread = Thread {
                Self.clearFlushing()
                let before = [Self.halfOfSmallestNormal(0.5), Self.smallestDenormalPlus(0)]
                // The pool's worker starts from this thread, so it inherits the cleared mode.
                let pool = Self.pool
                let count = 64
                let results = UnsafeMutablePointer<Float>.allocate(capacity: 2 * count)
                defer { results.deallocate() }
                pool.run(count) { index in
                    if index % 8 == 0 { usleep(200) }  // lets the worker take iterations too
                    results[2 * index] = Self.halfOfSmallestNormal(0.5)
                    results[2 * index + 1] = Self.smallestDenormalPlus(0)
                }
                let during = Array(UnsafeBufferPointer(start: results, count: 2 * count))
                continuation.resume(returning: (before, during, [Self.halfOfSmallestNormal(0.5)]))
            }
            thread.start()
        }
        // Bit patterns, not comparisons: with denormals read as zero, 1e-45 == 0 holds.
        // Without flushing both are denormals, so the check itself can tell the modes apart.
        #expect(before.allSatisfy { $0.isSubnormal }, "\(before)")
        #expect(during.allSatisfy { $0.bitPattern == 0 }, "\(during.filter { $0.bitPattern != 0 }.count) denormals inside the loop")
        // The caller keeps the mode after the loop.
        #expect(after.map(\.bitPattern) == [0])
    }
}
#endif
