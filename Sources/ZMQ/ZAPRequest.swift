/// One ZeroMQ Authentication Protocol request (RFC 27, ZAP 1.0), as a handler bound on
/// ``ZAPRequest/endpoint`` in the same context receives it from a server socket's handshake.
///
/// The handler must be bound before the server sockets bind (libzmq 4.3 has no `ZMQ_ZAP_ENFORCE_DOMAIN`
/// outside the draft API, and a CURVE server without a handler admits every key). A REP socket receives the
/// request frames without their envelope:
///
/// ```swift
/// let zap = try Socket(context, .rep)
/// try zap.bind(ZAPRequest.endpoint)
/// if let frames = try zap.receive(wait: false), let request = ZAPRequest(frames: frames) {
///     try zap.send(request.reply(allowed ? .success : .denied, userID: "..."))
/// }
/// ```
public struct ZAPRequest: Sendable, Equatable {
    /// The endpoint libzmq sends ZAP requests to.
    public static let endpoint = "inproc://zeromq.zap.01"

    /// Reply status codes (RFC 27).
    public enum Status: String, Sendable {
        case success = "200"
        case temporaryError = "300"
        case denied = "400"
        case internalError = "500"
    }

    /// Echoed in the reply.
    public var requestID: [UInt8]
    /// The server socket's `ZMQ_ZAP_DOMAIN`.
    public var domain: String
    /// The client's IP address (text) for tcp.
    public var address: String
    /// The client connection's routing id (often empty).
    public var routingID: [UInt8]
    /// `NULL`, `PLAIN` or `CURVE`.
    public var mechanism: String
    /// Mechanism credentials: for CURVE, one frame, the client's 32-byte public key.
    public var credentials: [[UInt8]]

    /// Parses request frames `["1.0", id, domain, address, routing_id, mechanism, credentials...]`.
    /// - Returns: nil when the frames are not a ZAP 1.0 request.
    public init?(frames: [[UInt8]]) {
        guard frames.count >= 6, frames[0] == Array("1.0".utf8) else { return nil }
        requestID = frames[1]
        domain = String(decoding: frames[2], as: UTF8.self)
        address = String(decoding: frames[3], as: UTF8.self)
        routingID = frames[4]
        mechanism = String(decoding: frames[5], as: UTF8.self)
        credentials = Array(frames.dropFirst(6))
    }

    /// The CURVE client's public key as Z85 text, or nil for another mechanism or a malformed credential.
    public var curvePublicKey: String? {
        guard mechanism == "CURVE", credentials.count == 1, credentials[0].count == 32 else { return nil }
        return Z85.encode(credentials[0])
    }

    /// The reply frames `["1.0", id, status, text, user_id, metadata]` (empty metadata).
    public func reply(_ status: Status, text: String = "", userID: String = "") -> [[UInt8]] {
        [Array("1.0".utf8), requestID, Array(status.rawValue.utf8), Array(text.utf8), Array(userID.utf8), []]
    }

    /// The reply to frames that are not a request (status 500 with the request id when there is one).
    public static func malformedReply(to frames: [[UInt8]]) -> [[UInt8]] {
        let id = frames.count > 1 ? frames[1] : []
        return [Array("1.0".utf8), id, Array("500".utf8), Array("malformed request".utf8), [], []]
    }
}
