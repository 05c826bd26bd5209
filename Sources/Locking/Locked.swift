#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Locking
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`, with `Synchronization.Mutex`'s `withLock` shape.
///
/// Why not `Mutex`: on Linux it is a bare futex that ThreadSanitizer does not model, so every access made under it
/// from two threads is reported as a race (a two-thread counter is enough to see it). A pthread mutex is
/// intercepted by the sanitizer, so `ops/sanitize.sh thread` reports real races only. Uncontended, both cost one
/// atomic exchange each way; this one also costs one allocation when it is created.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched between lock and unlock of `mutex`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
        self.value = value
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock (not reentrant: do not call `withLock` on the same instance
    /// inside `body`).
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure)
        -> Result
    {
        lock()
        defer { unlock() }
        return try body(&storage)
    }

    @usableFromInline
    func lock() {
        pthread_mutex_lock(mutex)
    }

    @usableFromInline
    func unlock() {
        pthread_mutex_unlock(mutex)
    }

    @usableFromInline
    var storage: Value {
        _read { yield value }
        _modify { yield &value }
    }
}
