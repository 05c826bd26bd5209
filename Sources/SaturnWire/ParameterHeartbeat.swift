import SwiftProtobuf

/// An origin's heartbeat on its broadcast socket (`saturn.v1.ParameterHeartbeat` on topic `heartbeat`; the Clone
/// pattern of the ZeroMQ guide): where its sequence of updates stands, so that a peer notices a lost last update
/// (its last received sequence is behind) and, from the heartbeats' absence, a silent origin.
public struct ParameterHeartbeat: Sendable, Equatable {
    public var originNode: String
    /// The origin's start time in ns since the epoch (a restarted origin has a larger one).
    public var originEpoch: UInt64
    /// The origin's latest broadcast sequence number in this epoch (0: nothing published yet).
    public var lastSequence: UInt64
    /// Where the origin answers snapshot requests (empty when unknown).
    public var queryEndpoint: String
    /// The origin's heartbeat interval.
    public var interval: Duration

    public init(originNode: String, originEpoch: UInt64, lastSequence: UInt64, queryEndpoint: String,
                interval: Duration) {
        self.originNode = originNode
        self.originEpoch = originEpoch
        self.lastSequence = lastSequence
        self.queryEndpoint = queryEndpoint
        self.interval = interval
    }

    /// Decodes and validates a heartbeat's payload (the frame after the `heartbeat` topic).
    /// - Returns: the heartbeat, or why it must be dropped (`oversized`, `malformed`, `unsupported_version`,
    ///   `missing_field` for an empty or too long origin or a zero interval).
    public static func decode(payload: [UInt8], maximumBytes: Int) -> Result<ParameterHeartbeat, DropReason> {
        guard payload.count <= maximumBytes else { return .failure(.oversized) }
        guard let m = try? Saturn_V1_ParameterHeartbeat(serializedBytes: payload) else { return .failure(.malformed) }
        guard m.protocolVersion == wireProtocolVersion else { return .failure(.unsupportedVersion) }
        guard WireLimits.isValidName(m.originNode), m.intervalMs > 0 else { return .failure(.missingField) }
        return .success(
            ParameterHeartbeat(
                originNode: m.originNode, originEpoch: m.originEpoch, lastSequence: m.lastSequence,
                queryEndpoint: m.queryEndpoint, interval: .milliseconds(Int64(m.intervalMs))))
    }

    /// The message frames: `[topic, ParameterHeartbeat]`.
    public func frames() -> [[UInt8]] {
        var m = Saturn_V1_ParameterHeartbeat()
        m.protocolVersion = wireProtocolVersion
        m.originNode = originNode
        m.originEpoch = originEpoch
        m.lastSequence = lastSequence
        m.queryEndpoint = queryEndpoint
        let ms = interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000
        m.intervalMs = UInt32(clamping: max(1, ms))
        return [Topic.heartbeat, m.wireBytes()]
    }
}
