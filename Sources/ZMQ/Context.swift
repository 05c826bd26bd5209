import CZeroMQ
import Locking

/// A libzmq context (thread safe, so `Sendable`).
///
/// Sockets keep their context alive; terminate it after every socket is closed. ``shutdown()`` makes every
/// blocking call on its sockets return `ETERM` (use it to stop socket threads), ``terminate()`` waits for
/// sockets to close and is called from `deinit` if needed.
public final class Context: @unchecked Sendable {
    // @unchecked: a zmq context is thread safe (zmq(7)); `state` is guarded by its lock.
    let handle: UnsafeMutableRawPointer
    private let state = Locked<Bool>(false)  // terminated

    /// Creates a context.
    /// - Throws: ``ZMQError`` if libzmq cannot create one.
    public init() throws(ZMQError) {
        guard let h = zmq_ctx_new() else { throw ZMQError(code: zmq_errno(), operation: "zmq_ctx_new") }
        handle = h
    }

    /// Makes blocking calls on this context's sockets fail with `ETERM`; sockets must still be closed.
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    /// Terminates the context (retrying `EINTR`). Blocks until every socket is closed; with LINGER 0 (the
    /// default of ``Socket``) that is immediate once they are.
    public func terminate() {
        let already = state.withLock { done -> Bool in
            defer { done = true }
            return done
        }
        if already { return }
        while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
    }

    deinit { terminate() }
}
