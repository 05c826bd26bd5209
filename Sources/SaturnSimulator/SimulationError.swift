/// An error of the simulator's inputs (trace, step table, configuration) or a stopped run, with a stable code and
/// a one-line message that names the file and line when there is one.
public struct SimulationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String { case unreadable, malformed, invalidValue, insufficientData, invalidConfiguration, cancelled }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// A file cannot be read.
        public static let unreadable = Code(.unreadable)
        /// A file does not have the expected shape (header, column count, numbers).
        public static let malformed = Code(.malformed)
        /// A value is out of its domain (negative tokens, NaN, unsorted arrivals, ...).
        public static let invalidValue = Code(.invalidValue)
        /// A table has too few rows of a kind to build from.
        public static let insufficientData = Code(.insufficientData)
        /// A configuration value is out of range (load <= 0, SLA <= 0, ...).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A run was stopped before it finished (``RunProgress/stop()``).
        public static let cancelled = Code(.cancelled)
        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
