import SaturnWire
import ZMQ

/// Why a client call failed: the agent answered with an error (its ``QueryError``), no reply came in time, the
/// reply was not one this client understands, or a socket failed (with the ``ZMQError`` as the cause).
public struct ClientError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure.
    public enum Kind: Sendable, Equatable {
        /// The agent's error reply.
        case reply(QueryError)
        /// No reply within the client's timeout. The client stays usable.
        case timeout
        /// A reply that does not parse, or answers another request or question.
        case unexpectedReply
        /// A socket call failed.
        case socket
    }

    public var kind: Kind
    public var message: String
    /// The error behind this one.
    public var cause: (any Error & Sendable)?

    public init(_ kind: Kind, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }

    public var description: String { cause.map { "\(message): \($0)" } ?? message }

    static func socket(_ what: String, _ error: ZMQError) -> ClientError {
        ClientError(.socket, what, cause: error)
    }
}
