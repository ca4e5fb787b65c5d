import Foundation

/// The calling thread's CPU time: what a piece of work costs by itself, which waiting for
/// a core held by another thread or process does not inflate.
public enum ThreadClock {
    /// This thread's CPU time so far, in milliseconds.
    public static func milliseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1e3 + Double(time.tv_nsec) / 1e6
    }
}
