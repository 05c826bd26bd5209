import Foundation
import Testing

@testable import SaturnAgent

#if canImport(Glibc)
    import Glibc
#endif

struct StarvationGuardTests {
    /// Starved updates (long, mostly waiting) take the floor; updates that get a core go back to idle; in between
    /// nothing changes.
    @Test func theFloorIsTakenWhileUpdatesWaitForACore() {
        var g = StarvationGuard()
        #expect(g.level == .idle)
        #expect(g.observe(wallMs: 1.2, cpuMs: 1.0) == nil)  // got a core: already idle
        #expect(g.observe(wallMs: 40, cpuMs: 1.0) == nil)  // waited, but not long enough to count
        #expect(g.observe(wallMs: 300, cpuMs: 1.0) == .floor)
        #expect(g.level == .floor)
        #expect(g.observe(wallMs: 600, cpuMs: 2.0) == nil)  // still starved: stays
        #expect(g.observe(wallMs: 10, cpuMs: 2.0) == nil)  // neither starved nor free: stays
        #expect(g.observe(wallMs: 1.5, cpuMs: 1.0) == .idle)
        #expect(g.observe(wallMs: 0.3, cpuMs: 0.1) == nil)  // a short update within a millisecond of its CPU time
        #expect(g.observe(wallMs: 60, cpuMs: 30) == nil)  // long but busy (a big fit), not starved
    }

    /// The levels act on the thread they name: a thread's id differs from the process's, and the floor is nice +19
    /// on that thread alone (Linux).
    @Test func levelsActOnOneThread() throws {
        #if os(Linux)
            let caller = ThreadPriority.currentThreadID()
            #expect(caller > 0)
            let result = Box<(id: Int32, idle: Int32, floor: (Int32, Int32), normal: (Int32, Int32))>()
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                let id = ThreadPriority.currentThreadID()
                let which = __priority_which_t(PRIO_PROCESS.rawValue)
                ThreadPriority.set(.idle, thread: 0)
                let idle = sched_getscheduler(id)
                ThreadPriority.set(.floor, thread: id)
                let floor = (sched_getscheduler(id), getpriority(which, id_t(id)))
                ThreadPriority.set(.normal, thread: id)
                result.value = (id, idle, floor, (sched_getscheduler(id), getpriority(which, id_t(id))))
                done.signal()
            }
            thread.start()
            done.wait()
            let r = try #require(result.value)
            #expect(r.id > 0 && r.id != caller)
            #expect(r.idle == 5)  // SCHED_IDLE
            #expect(r.floor.0 == SCHED_OTHER && r.floor.1 == 19)
            // Back to nice 0 takes root (CI runs as root) or RLIMIT_NICE; otherwise the thread keeps nice 19.
            #expect(r.normal.0 == SCHED_OTHER && (r.normal.1 == 0 || (getuid() != 0 && r.normal.1 == 19)))
            // The calling thread is untouched.
            #expect(sched_getscheduler(0) == SCHED_OTHER)
        #endif
    }
}

/// A value handed from one thread to another before a semaphore's signal.
private final class Box<Value>: @unchecked Sendable {
    var value: Value?
}
