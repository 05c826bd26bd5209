import CZeroMQ

/// A reusable receive buffer for one multipart message that leaves the frames where libzmq put them: frame `i`
/// is read in place (no copy, no allocation) until the next receive into the same buffer.
///
/// The first ``capacity`` frames are kept; the frames of a longer message are still received and counted in
/// ``count`` but not kept (a channel that expects two frames only needs to know that there were more).
/// Not `Sendable`, like its socket: the frames belong to the receiving thread.
///
/// ```swift
/// let frames = Frames(capacity: 2)
/// while try socket.receive(into: frames, wait: false) {
///     handle(frameCount: frames.count, frames[0], frames[1])    // absent frames are empty
/// }
/// ```
public final class Frames {
    /// One `zmq_msg_t` per kept frame, each initialised once and reused (TOOLCHAIN pitfall 1: never moved).
    let messages: UnsafeMutablePointer<zmq_msg_t>
    /// The bytes of each kept frame of the last message (set by the receive, so reading a frame calls nothing).
    let views: UnsafeMutablePointer<UnsafeRawBufferPointer>
    /// Frames kept per message.
    public let capacity: Int
    /// Frames of the last message received (kept or not); 0 before the first receive.
    ///
    /// Unchecked exclusivity: read per frame on the receive hot path, where the dynamic access check of a class
    /// property costs more than the rest of the read. Safe because a `Frames`, like its socket, is used by one
    /// thread and no access to `count` is ever held across a call.
    @exclusivity(unchecked) public internal(set) var count = 0

    /// - Precondition: `capacity >= 1`.
    public init(capacity: Int = 4) {
        precondition(capacity >= 1, "a receive buffer keeps at least one frame")
        self.capacity = capacity
        messages = .allocate(capacity: capacity)
        views = .allocate(capacity: capacity)
        for i in 0..<capacity { zmq_msg_init(messages + i) }
        views.initialize(repeating: UnsafeRawBufferPointer(start: nil, count: 0), count: capacity)
    }

    deinit {
        for i in 0..<capacity { zmq_msg_close(messages + i) }
        messages.deallocate()
        views.deallocate()
    }

    /// The bytes of frame `i` of the last message, valid until the next receive into this buffer; empty when the
    /// message has no frame `i` or it was not kept (`i >= capacity`).
    public subscript(i: Int) -> UnsafeRawBufferPointer {
        guard i >= 0, i < count, i < capacity else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return views[i]
    }

    /// True when frame `i` is kept and equals `other`.
    public func frame(_ i: Int, equals other: [UInt8]) -> Bool {
        guard i < count, i < capacity else { return false }
        return self[i].elementsEqual(other)
    }
}

extension Socket {
    /// Receives one multipart message into `frames` (the previous message's frames are released).
    /// - Returns: false when nothing is available (`EAGAIN`).
    public func receive(into frames: Frames, wait: Bool = true) throws(ZMQError) -> Bool {
        let socket = live
        var n = 0
        while true {
            // Frames beyond the buffer's capacity go to the socket's own message and are dropped by the next one.
            let target = n < frames.capacity ? frames.messages + n : message
            let rc = zmq_msg_recv(target, socket, n == 0 && !wait ? ZMQ_DONTWAIT : 0)
            if rc == -1 {
                let e = zmq_errno()
                if e == EINTR { continue }
                if e == EAGAIN {
                    // Later frames of a message arrive with the first (libzmq delivers messages atomically).
                    frames.count = n
                    return n > 0
                }
                if e == ENOTSOCK || e == EFAULT { preconditionFailure("zmq_msg_recv: invalid socket (errno \(e))") }
                frames.count = 0
                throw ZMQError(code: e, operation: "zmq_msg_recv")
            }
            if n < frames.capacity {
                frames.views[n] = UnsafeRawBufferPointer(start: zmq_msg_data(target), count: Int(rc))
            }
            n += 1
            if zmq_msg_more(target) == 0 {
                frames.count = n
                return true
            }
        }
    }
}
