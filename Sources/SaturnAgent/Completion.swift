import Locking

/// A value set once, by any thread, and awaited by any number of tasks without blocking the cooperative pool
/// (how the agent's tasks wait for its threads to bind and to exit).
final class Completion<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
    }
    private let state = Locked(State())

    init() {}

    /// Sets the value and resumes every waiter; later calls are ignored.
    func complete(_ value: Value) {
        let waiters = state.withLock { s -> [CheckedContinuation<Value, Never>] in
            guard s.value == nil else { return [] }
            s.value = value
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: value) }
    }

    /// The value, once set.
    var value: Value? { state.withLock { $0.value } }

    /// Suspends until the value is set.
    func wait() async -> Value {
        await withCheckedContinuation { (c: CheckedContinuation<Value, Never>) in
            let ready = state.withLock { s -> Value? in
                if let v = s.value { return v }
                s.waiters.append(c)
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}
