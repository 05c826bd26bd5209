/// An error answer to a query: a code (stable, numbered as `saturn.v1.ErrorCode`) and a message naming what
/// was wrong, as carried by `Reply.error`.
public struct QueryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The error's code. A struct over a private enum so that codes can be added without breaking clients'
    /// `switch`es.
    public struct Code: Hashable, Sendable, CustomStringConvertible, Comparable {
        fileprivate enum Value: Int, CaseIterable {
            case malformed = 1, unsupportedVersion, missingBody, invalidArgument, unknownKey, tooLarge
            case malformedEnvelope, `internal`
        }
        fileprivate let value: Value

        /// The payload is not a `Request`.
        public static let malformed = Code(value: .malformed)
        /// `protocol_version` is not the one this build speaks.
        public static let unsupportedVersion = Code(value: .unsupportedVersion)
        /// No request body (or one this version does not know).
        public static let missingBody = Code(value: .missingBody)
        /// NaN, infinite, out-of-range or empty fields; the message names the field.
        public static let invalidArgument = Code(value: .invalidArgument)
        /// Reserved: predictions for unseen keys answer from a prior instead.
        public static let unknownKey = Code(value: .unknownKey)
        /// The request exceeds the maximum message size.
        public static let tooLarge = Code(value: .tooLarge)
        /// The frames do not form `[envelope..., payload]`.
        public static let malformedEnvelope = Code(value: .malformedEnvelope)
        /// A bug in the agent.
        public static let `internal` = Code(value: .internal)

        /// Every code, in wire order.
        public static let allCases: [Code] = Value.allCases.map(Code.init(value:))

        /// The `saturn.v1.ErrorCode` number.
        public var rawValue: Int { value.rawValue }

        /// The code for a wire number (nil for 0 and numbers this build does not know).
        public init?(rawValue: Int) {
            guard let v = Value(rawValue: rawValue) else { return nil }
            value = v
        }

        fileprivate init(value: Value) { self.value = value }

        /// The short name used in counters and logs: `invalid_argument`, ...
        public var description: String {
            switch value {
            case .malformed: "malformed"
            case .unsupportedVersion: "unsupported_version"
            case .missingBody: "missing_body"
            case .invalidArgument: "invalid_argument"
            case .unknownKey: "unknown_key"
            case .tooLarge: "too_large"
            case .malformedEnvelope: "malformed_envelope"
            case .internal: "internal"
            }
        }

        public static func < (a: Code, b: Code) -> Bool { a.rawValue < b.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The health counter name, `query.<code>` (e.g. `query.invalid_argument`).
    public var counterName: String { "query.\(code)" }

    public var description: String { "\(code): \(message)" }
}
