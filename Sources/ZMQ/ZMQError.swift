import CZeroMQ

/// A failed libzmq call: the `errno` it reported and the operation that failed.
///
/// `EAGAIN` is never thrown (it is returned as a value: `false` / `nil`); `EINTR` is retried; `ETERM` is thrown
/// and means the context is shutting down (check ``isContextTerminated`` and leave the loop quietly).
public struct ZMQError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `zmq_errno()` value.
    public var code: Int32
    /// The libzmq function, e.g. `zmq_bind`.
    public var operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// True when the context was shut down (`ETERM`): the caller should stop using its sockets.
    public var isContextTerminated: Bool { code == ETERM }

    public var description: String {
        let text = zmq_strerror(code).map { String(cString: $0) } ?? "unknown error"
        return "\(operation): \(text) (errno \(code))"
    }
}

/// Runs a libzmq call that returns -1 on failure: retries `EINTR`, returns nil on `EAGAIN`, throws otherwise.
@inline(__always)
func zmqCall(_ operation: String, _ body: () -> Int32) throws(ZMQError) -> Int32? {
    while true {
        let rc = body()
        if rc != -1 { return rc }
        let e = zmq_errno()
        if e == EINTR { continue }
        if e == EAGAIN { return nil }
        if e == ENOTSOCK || e == EFAULT { preconditionFailure("\(operation): invalid socket or buffer (errno \(e))") }
        throw ZMQError(code: e, operation: operation)
    }
}
