import CZeroMQ

/// A failed connection handshake on a monitored socket (``Socket/monitorHandshakeFailures(endpoint:)``): a
/// client that speaks another security mechanism (plaintext against CURVE), does not know the server's key, or
/// was refused by the ZAP handler.
public struct HandshakeFailure: Sendable, Equatable {
    /// Why the handshake failed.
    public enum Reason: Sendable, Equatable {
        /// The peer uses another mechanism (e.g. NULL, plaintext, against a CURVE server).
        case mechanismMismatch
        /// A cryptographic check failed (e.g. the client used a wrong server key).
        case cryptographic
        /// The ZAP handler refused the peer (its status code, e.g. 400).
        case authentication(status: UInt32)
        /// Another ZMTP or ZAP protocol error (libzmq's `ZMQ_PROTOCOL_ERROR_*` value).
        case protocolError(UInt32)
        /// libzmq gives no detail (e.g. the connection closed during the handshake).
        case noDetail(errno: UInt32)
    }

    public var reason: Reason
    /// The monitored socket's endpoint the handshake was on.
    public var endpoint: String

    /// Parses a monitor message (`[2-byte event, 4-byte value]`, endpoint), native byte order as libzmq writes.
    /// - Returns: nil for other events or malformed frames.
    public init?(frames: [[UInt8]]) {
        guard frames.count == 2, frames[0].count == 6 else { return nil }
        let event = frames[0].withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) }
        let value = frames[0].withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 2, as: UInt32.self) }
        switch Int32(event) {
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: reason = .authentication(status: value)
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: reason = .noDetail(errno: value)
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            switch Int32(bitPattern: value) {
            case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH: reason = .mechanismMismatch
            case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: reason = .cryptographic
            default: reason = .protocolError(value)
            }
        default: return nil
        }
        endpoint = String(decoding: frames[1], as: UTF8.self)
    }
}

extension Socket {
    /// Reports this socket's failed handshakes (``HandshakeFailure``) on a new PAIR socket connected to
    /// `endpoint` (an unused `inproc://` name). Close the returned socket before this one.
    public func monitorHandshakeFailures(endpoint: String) throws(ZMQError) -> Socket {
        let events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
            | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
        _ = try zmqCall("zmq_socket_monitor \(endpoint)") { zmq_socket_monitor(live, endpoint, events) }
        let pair = try Socket(context, .pair)
        try pair.connect(endpoint)
        return pair
    }
}
