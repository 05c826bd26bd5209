#if canImport(Glibc)
    import Glibc
#endif

/// Scheduling priority of background threads that must not delay the socket thread.
public enum ThreadPriority {
    /// Lowers the calling thread's scheduling priority (Linux: `SCHED_IDLE` for this thread alone, nice +10 where
    /// that is refused): it then runs only on a core nothing else wants, and a waking socket thread preempts it at
    /// once. Used by the adaptation thread and the metrics endpoint's event loop. No effect elsewhere.
    public static func lowerCurrentThread() {
        #if os(Linux)
            // SCHED_IDLE for this thread alone (pid 0 = the calling thread, sched_setscheduler(2)).
            var parameters = sched_param()
            parameters.sched_priority = 0
            // SCHED_IDLE is 5 in <linux/sched.h> (glibc defines it only under _GNU_SOURCE, which Swift does not import).
            if sched_setscheduler(0, 5, &parameters) != 0 {
                // On Linux the nice value is per thread, and `who` 0 is the calling thread (setpriority(2), NOTES).
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            }
        #endif
    }
}
