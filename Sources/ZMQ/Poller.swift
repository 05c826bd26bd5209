import CZeroMQ

/// Waits for input on several sockets (`zmq_poll`). Built once per loop; not `Sendable`, like its sockets.
public struct Poller {
    private var items: [zmq_pollitem_t]
    /// The sockets, in registration order.
    public let sockets: [Socket]

    /// Polls `sockets` for input.
    public init(_ sockets: [Socket]) {
        self.sockets = sockets
        items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
    }

    /// Waits up to `timeout` milliseconds (-1: forever) and returns, per socket, whether input is ready.
    /// `EINTR` restarts the wait with the remaining time.
    public mutating func poll(timeout milliseconds: Int) throws(ZMQError) -> [Bool] {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(milliseconds)
        var remaining = milliseconds
        while true {
            let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), remaining) }
            if rc >= 0 { break }
            let e = zmq_errno()
            guard e == EINTR else { throw ZMQError(code: e, operation: "zmq_poll") }
            if milliseconds >= 0 {
                let left = deadline - clock.now
                remaining = max(0, Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            }
        }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
