import CZeroMQ

/// A libzmq socket. Not `Sendable`: a socket belongs to the thread that created it.
///
/// Created with `ZMQ_LINGER` 0 so that closing never blocks on undelivered messages (pass `linger:` for a
/// sender that must flush). Closed by ``close()`` or on `deinit`; holds its ``Context`` alive.
///
/// ```swift
/// let pub = try Socket(context, .pub)
/// let endpoint = try pub.bind("tcp://127.0.0.1:*")
/// try pub.send([Array("step".utf8), payload])
/// ```
public final class Socket {
    /// Socket types used by Saturn.
    public enum Kind: Sendable {
        case pub, sub, xpub, xsub, req, rep, dealer, router, pair, push, pull

        var raw: Int32 {
            switch self {
            case .pub: ZMQ_PUB
            case .sub: ZMQ_SUB
            case .xpub: ZMQ_XPUB
            case .xsub: ZMQ_XSUB
            case .req: ZMQ_REQ
            case .rep: ZMQ_REP
            case .dealer: ZMQ_DEALER
            case .router: ZMQ_ROUTER
            case .pair: ZMQ_PAIR
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            }
        }
    }

    /// The socket's context (kept alive by the socket).
    public let context: Context
    /// The socket's kind.
    public let kind: Kind
    var handle: UnsafeMutableRawPointer?
    let message: UnsafeMutablePointer<zmq_msg_t>

    /// Creates a socket.
    /// - Parameter linger: `ZMQ_LINGER` in ms (0 by default, -1 waits for delivery on close).
    public init(_ context: Context, _ kind: Kind, linger: Int32 = 0) throws(ZMQError) {
        guard let h = zmq_socket(context.handle, kind.raw) else {
            throw ZMQError(code: zmq_errno(), operation: "zmq_socket")
        }
        self.context = context
        self.kind = kind
        handle = h
        // zmq_msg_t must stay at one address: a heap cell reused for every receive (TOOLCHAIN pitfall 1).
        message = .allocate(capacity: 1)
        zmq_msg_init(message)
        try setOption(ZMQ_LINGER, linger)
    }

    deinit {
        close()
        zmq_msg_close(message)
        message.deallocate()
    }

    /// Closes the socket (idempotent).
    public func close() {
        if let h = handle {
            zmq_close(h)
            handle = nil
        }
    }

    var live: UnsafeMutableRawPointer {
        guard let h = handle else { preconditionFailure("socket used after close()") }
        return h
    }

    /// Binds and returns the endpoint actually bound (with the port chosen by the system for `:*` or `:0`).
    @discardableResult
    public func bind(_ endpoint: String) throws(ZMQError) -> String {
        _ = try zmqCall("zmq_bind \(endpoint)") { zmq_bind(live, endpoint) }
        return try lastEndpoint()
    }

    /// Connects to an endpoint (asynchronous: succeeds before the peer exists).
    public func connect(_ endpoint: String) throws(ZMQError) {
        _ = try zmqCall("zmq_connect \(endpoint)") { zmq_connect(live, endpoint) }
    }

    /// Disconnects from an endpoint previously connected.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        _ = try zmqCall("zmq_disconnect \(endpoint)") { zmq_disconnect(live, endpoint) }
    }

    /// `ZMQ_LAST_ENDPOINT`.
    public func lastEndpoint() throws(ZMQError) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        _ = try zmqCall("zmq_getsockopt ZMQ_LAST_ENDPOINT") { zmq_getsockopt(live, ZMQ_LAST_ENDPOINT, &buffer, &size) }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Sets an integer option (`ZMQ_LINGER`, `ZMQ_RCVHWM`, `ZMQ_SNDHWM`, `ZMQ_RCVTIMEO`, `ZMQ_SNDTIMEO`, ...).
    func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var v = value
        _ = try zmqCall("zmq_setsockopt \(option)") { zmq_setsockopt(live, option, &v, MemoryLayout<Int32>.size) }
    }

    /// Sets a 64-bit integer option (`ZMQ_MAXMSGSIZE`).
    func setOption(_ option: Int32, _ value: Int64) throws(ZMQError) {
        var v = value
        _ = try zmqCall("zmq_setsockopt \(option)") { zmq_setsockopt(live, option, &v, MemoryLayout<Int64>.size) }
    }

    /// Sets a bytes option (`ZMQ_SUBSCRIBE`, `ZMQ_ROUTING_ID`, ...).
    func setOption(_ option: Int32, _ bytes: [UInt8]) throws(ZMQError) {
        _ = try zmqCall("zmq_setsockopt \(option)") {
            bytes.withUnsafeBytes { zmq_setsockopt(live, option, $0.baseAddress, $0.count) }
        }
    }

    /// Subscribes a SUB socket to messages whose first frame starts with `prefix` (empty: everything).
    public func subscribe(_ prefix: [UInt8] = []) throws(ZMQError) { try setOption(ZMQ_SUBSCRIBE, prefix) }

    /// Sends a multipart message.
    /// - Parameter wait: false for `ZMQ_DONTWAIT`.
    /// - Returns: false when the message could not be queued without blocking (`EAGAIN`).
    @discardableResult
    public func send(_ frames: [[UInt8]], wait: Bool = true) throws(ZMQError) -> Bool {
        precondition(!frames.isEmpty, "a message has at least one frame")
        for (i, frame) in frames.enumerated() {
            var flags: Int32 = wait ? 0 : ZMQ_DONTWAIT
            if i < frames.count - 1 { flags |= ZMQ_SNDMORE }
            let rc = try zmqCall("zmq_send") {
                frame.withUnsafeBytes { zmq_send(live, $0.baseAddress, $0.count, flags) }
            }
            // Only the first frame can fail with EAGAIN; later frames of a multipart message are queued atomically.
            if rc == nil { return false }
        }
        return true
    }

    /// Receives one multipart message.
    /// - Parameter wait: false for `ZMQ_DONTWAIT`.
    /// - Returns: the frames, or nil when nothing is available (`EAGAIN`, or a receive timeout).
    public func receive(wait: Bool = true) throws(ZMQError) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        let flags: Int32 = wait ? 0 : ZMQ_DONTWAIT
        while true {
            guard let size = try zmqCall("zmq_msg_recv", { zmq_msg_recv(message, live, frames.isEmpty ? flags : 0) })
            else {
                return frames.isEmpty ? nil : frames
            }
            let data = zmq_msg_data(message)
            if size > 0, let data {
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: Int(size))))
            } else {
                frames.append([])
            }
            if zmq_msg_more(message) == 0 { return frames }
        }
    }
}

/// Integer socket options by name (the wrapper does not expose libzmq's constants).
public enum SocketOption: Sendable {
    case linger
    case receiveHighWaterMark
    case sendHighWaterMark
    case receiveTimeout
    case sendTimeout
    case routerMandatory
    case reconnectInterval
    /// `ZMQ_IMMEDIATE`: queue messages only on completed connections (none for a connected peer that is down).
    case immediate

    var raw: Int32 {
        switch self {
        case .linger: ZMQ_LINGER
        case .receiveHighWaterMark: ZMQ_RCVHWM
        case .sendHighWaterMark: ZMQ_SNDHWM
        case .receiveTimeout: ZMQ_RCVTIMEO
        case .sendTimeout: ZMQ_SNDTIMEO
        case .routerMandatory: ZMQ_ROUTER_MANDATORY
        case .reconnectInterval: ZMQ_RECONNECT_IVL
        case .immediate: ZMQ_IMMEDIATE
        }
    }
}

extension Socket {
    /// Sets an integer option.
    public func set(_ option: SocketOption, _ value: Int32) throws(ZMQError) { try setOption(option.raw, value) }

    /// `ZMQ_MAXMSGSIZE`: larger inbound messages make libzmq drop the connection (a memory guard).
    public func setMaximumMessageSize(_ bytes: Int64) throws(ZMQError) { try setOption(ZMQ_MAXMSGSIZE, bytes) }
}
