#if canImport(Glibc)
    import Glibc
#endif

/// Scheduling priority of background threads that must not delay the socket thread.
public enum ThreadPriority {
    /// A background thread's level.
    public enum Level: Sendable, Equatable {
        /// `SCHED_IDLE` (nice +10 where refused): the thread runs only on a core nothing else wants, and a waking
        /// socket thread preempts it at once.
        case idle
        /// `SCHED_OTHER` at nice +19: still below everything else, but with a floor of CPU (about 1.5% of a core
        /// that a nice-0 task keeps busy), so that the thread makes progress on a saturated node.
        case floor
        /// `SCHED_OTHER` at nice 0 where the process may raise it back (root, or `RLIMIT_NICE`), else at the nice
        /// value it has: for a thread whose work nothing should wait behind any longer (an agent shutting down).
        case normal
    }

    /// Lowers the calling thread's scheduling priority to ``Level/idle``. Used by the metrics endpoint's event loop.
    /// No effect outside Linux.
    public static func lowerCurrentThread() {
        set(.idle, thread: 0)
    }

    /// The calling thread's Linux thread id (what ``set(_:thread:)`` takes for another thread); 0 elsewhere.
    public static func currentThreadID() -> Int32 {
        #if os(Linux)
            // gettid(2) is not imported and syscall(2) is variadic: /proc/thread-self links to "<pid>/task/<tid>".
            var buffer = [CChar](repeating: 0, count: 64)
            let n = readlink("/proc/thread-self", &buffer, buffer.count - 1)
            guard n > 0 else { return 0 }
            let link = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return link.split(separator: "/").last.flatMap { Int32($0) } ?? 0
        #else
            return 0
        #endif
    }

    /// Sets thread `thread` (a Linux thread id; 0: the calling thread) to `level` (sched_setscheduler(2) and
    /// setpriority(2) act on one thread when given its id). Lowering a priority needs no privilege. No effect
    /// outside Linux.
    public static func set(_ level: Level, thread: Int32) {
        #if os(Linux)
            var parameters = sched_param()
            parameters.sched_priority = 0
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            switch level {
            case .idle:
                // SCHED_IDLE is 5 in <linux/sched.h> (glibc defines it only under _GNU_SOURCE, which Swift does not
                // import).
                if sched_setscheduler(thread, 5, &parameters) != 0 { _ = setpriority(which, id_t(thread), 10) }
            case .floor:
                _ = sched_setscheduler(thread, SCHED_OTHER, &parameters)
                _ = setpriority(which, id_t(thread), 19)
            case .normal:
                _ = sched_setscheduler(thread, SCHED_OTHER, &parameters)
                _ = setpriority(which, id_t(thread), 0)
            }
        #endif
    }
}
