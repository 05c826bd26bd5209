/// One kind of refused connection attempt on a CURVE-protected agent socket: which socket, and why. Counted in
/// ``AgentStatistics/authenticationDenials`` and shown in the health reply's `drops` as
/// `auth.<socket>.<reason>`, e.g. `auth.telemetry.key_not_allowed`.
public struct AuthenticationDenial: Hashable, Sendable, CustomStringConvertible {
    /// The agent socket that refused the attempt (its ZAP domain).
    public enum Socket: String, Sendable, CaseIterable {
        case telemetry, query, broadcast
    }

    /// Why the attempt was refused.
    public enum Reason: String, Sendable, CaseIterable {
        /// The client's public key is not on the allow-list of the socket's role (the ZAP handler said 400).
        case keyNotAllowed = "key_not_allowed"
        /// The ZAP request was not a CURVE one (or malformed).
        case notCurve = "not_curve"
        /// The client does not use CURVE (a plaintext connection).
        case plaintext
        /// The client's handshake failed its cryptographic checks (e.g. it used a wrong server key).
        case badServerKey = "bad_server_key"
        /// Another handshake failure: a protocol error, or a connection closed during the handshake (a plaintext
        /// client that hangs up before the agent reads its greeting lands here, as does the close that follows a
        /// refusal).
        case handshake
    }

    public var socket: Socket
    public var reason: Reason

    public init(socket: Socket, reason: Reason) {
        self.socket = socket
        self.reason = reason
    }

    /// `auth.<socket>.<reason>`.
    public var counterName: String { "auth.\(socket.rawValue).\(reason.rawValue)" }

    public var description: String { counterName }
}
