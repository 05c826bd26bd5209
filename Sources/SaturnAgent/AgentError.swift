import ZMQ

/// Why an agent (or a forwarder) could not start or stopped with a failure: a code, a message, and the
/// underlying error when there is one (e.g. the ``ZMQError`` with its errno).
public struct AgentError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure. A struct over a private enum so that codes can be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String {
            case invalidConfiguration = "invalid_configuration"
            case bindFailed = "bind_failed"
            case socketFailed = "socket_failed"
            case alreadyRunning = "already_running"
            case notRunning = "not_running"
        }
        fileprivate let value: Value

        /// The configuration has problems (``AgentConfiguration/problems``).
        public static let invalidConfiguration = Code(value: .invalidConfiguration)
        /// An endpoint could not be bound or connected (in use, bad address).
        public static let bindFailed = Code(value: .bindFailed)
        /// A socket or the context failed while running.
        public static let socketFailed = Code(value: .socketFailed)
        /// ``Agent/run()`` was called on an agent that already ran.
        public static let alreadyRunning = Code(value: .alreadyRunning)
        /// The agent stopped (or never bound) before the endpoints were known.
        public static let notRunning = Code(value: .notRunning)

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    /// The error behind this one.
    public var cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { cause.map { "\(message): \($0)" } ?? message }
}
