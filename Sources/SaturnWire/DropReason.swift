/// Why an incoming message was dropped instead of used. One type for every channel: the health reply and the
/// metrics count it as `<channel>.<reason>` (e.g. `telemetry.non_finite`, `broadcast.stale`, `fpm.malformed`).
public enum DropReason: String, Error, CaseIterable, Sendable, Hashable {
    /// Not a well-formed message of the expected type (or not valid UTF-8 where a string is required).
    case malformed
    /// `protocol_version` is not the one this build speaks.
    case unsupportedVersion = "unsupported_version"
    /// A required field is absent or empty.
    case missingField = "missing_field"
    /// NaN or infinity in a numeric field.
    case nonFinite = "non_finite"
    /// Zero or negative where a positive value is required.
    case nonPositive = "non_positive"
    /// Above ``WireLimits`` (or a name too long).
    case absurd
    /// Larger than the configured maximum message size.
    case oversized
    /// The same sequence number again (telemetry from one worker, or a broadcast from one origin).
    case duplicate
    /// Over the per-worker token bucket.
    case rateLimited = "rate_limited"
    /// A frame layout or topic that is not this channel's.
    case unknownTopic = "unknown_topic"
    /// A new key while the key table is full.
    case tooManyKeys = "too_many_keys"
    /// A new worker while the worker table is full.
    case tooManyWorkers = "too_many_workers"
    /// A broadcast set that is non-finite or outside the physical bounds.
    case invalidParameters = "invalid_parameters"
    /// A broadcast from this very node (heard back through a forwarder).
    case own
    /// A broadcast older than what was already taken from its origin.
    case stale

    /// The channel a drop happened on.
    public enum Channel: String, CaseIterable, Sendable, Hashable {
        case telemetry
        case broadcast
        /// Forward Pass Metrics publishers (``ForwardPassMetrics``).
        case fpm
    }

    /// The counter name on `channel`, e.g. `telemetry.non_finite`.
    public func counterName(on channel: Channel) -> String { "\(channel.rawValue).\(rawValue)" }

    /// Position in ``allCases`` (for counters kept in flat arrays on the hot path).
    public var index: Int { Self.indices[self]! }

    private static let indices: [DropReason: Int] = Dictionary(
        uniqueKeysWithValues: allCases.enumerated().map { ($0.element, $0.offset) })
}
