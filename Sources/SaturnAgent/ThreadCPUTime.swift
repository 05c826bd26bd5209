import Foundation

/// CPU time consumed by the calling thread (`CLOCK_THREAD_CPUTIME_ID`), for costing work that runs at a low
/// priority: the wall time of such work includes the time the thread waited for a core, the CPU time does not.
enum ThreadCPUTime {
    /// The calling thread's CPU time so far; zero if the clock is unavailable.
    static func now() -> Duration {
        var t = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0 else { return .zero }
        return .seconds(t.tv_sec) + .nanoseconds(t.tv_nsec)
    }
}
