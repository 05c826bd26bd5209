/// When the adaptation thread needs a floor of CPU: it runs at ``ThreadPriority/Level/idle`` (`SCHED_IDLE`) while
/// its updates get a core, and at ``ThreadPriority/Level/floor`` (nice +19) while they wait for one.
///
/// At `SCHED_IDLE` a thread gets almost nothing while normal-priority work keeps every core busy: with both cores of
/// a 2-core node saturated, updates fell to 2 per second (`bench-bus --measure updates` beside two busy loops), and
/// an update in progress held up the agent's shutdown for tens of seconds. At nice +19 the same node gave 10 per
/// second, but nice +19 on a quiet node costs queries a little more than `SCHED_IDLE` when one core is busy, so the
/// floor is taken only while the thread is starved.
///
/// The signal is each update's wall time against its CPU time: an update that took ``starvedWallMs`` or more and at
/// least ``starvedRatio`` times its CPU time waited for a core; one that took less than twice its CPU time (or under
/// a millisecond more) did not.
struct StarvationGuard: Sendable, Equatable {
    /// Wall time (ms) from which an update can count as starved.
    static let starvedWallMs = 50.0
    /// Wall time over CPU time from which an update counts as starved.
    static let starvedRatio = 20.0

    /// The level the thread should run at.
    private(set) var level = ThreadPriority.Level.idle

    /// Takes one update's wall and CPU time (ms) and returns the new level when it changes.
    mutating func observe(wallMs: Double, cpuMs: Double) -> ThreadPriority.Level? {
        let next: ThreadPriority.Level
        if wallMs >= Self.starvedWallMs && wallMs >= Self.starvedRatio * cpuMs {
            next = .floor
        } else if wallMs < 2 * cpuMs || wallMs < cpuMs + 1 {
            next = .idle
        } else {
            return nil
        }
        guard next != level else { return nil }
        level = next
        return next
    }
}
