import CZeroMQ

/// A reusable receive buffer: every frame of one message copied into one growing byte array, so receiving
/// allocates nothing once the buffer has grown to the largest message.
public struct Frames: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var ends: [Int] = []
    public private(set) var count = 0

    public init() {
        bytes.reserveCapacity(4096)
        ends.reserveCapacity(8)
    }

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        count = 0
    }

    mutating func append(_ data: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: data)
        ends.append(bytes.count)
        count += 1
    }

    /// The byte range of frame `i` in ``bytes``.
    public func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1])..<ends[i] }

    /// True when frame `i` equals `other`.
    public func frame(_ i: Int, equals other: [UInt8]) -> Bool {
        let r = range(i)
        guard r.count == other.count else { return false }
        return bytes.withUnsafeBufferPointer { b in
            other.withUnsafeBufferPointer { o in memcmp(b.baseAddress! + r.lowerBound, o.baseAddress!, r.count) == 0 }
        }
    }
}

extension Socket {
    /// Receives one multipart message into `frames` (reusing its storage).
    /// - Returns: false when nothing is available (`EAGAIN`).
    public func receive(into frames: inout Frames, wait: Bool = true) throws(ZMQError) -> Bool {
        frames.reset()
        let flags: Int32 = wait ? 0 : ZMQ_DONTWAIT
        while true {
            guard let size = try zmqCall("zmq_msg_recv", { zmq_msg_recv(message, live, frames.count == 0 ? flags : 0) })
            else { return frames.count > 0 }
            frames.append(UnsafeRawBufferPointer(start: zmq_msg_data(message), count: Int(size)))
            if zmq_msg_more(message) == 0 { return true }
        }
    }
}
