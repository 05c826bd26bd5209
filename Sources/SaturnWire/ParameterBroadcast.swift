import SaturnModel
import SwiftProtobuf

/// One accepted parameter set as agents publish it to their peers (`saturn.v1.ParameterUpdate` on topic
/// `params`): the set, and where it comes from in the origin's sequence of updates.
public struct ParameterBroadcast: Sendable, Equatable {
    /// The node that fitted the set.
    public var originNode: String
    /// The origin's start time in ns since the epoch (a restarted origin has a larger one).
    public var originEpoch: UInt64
    /// The origin's broadcast sequence number, 1 for its first update in an epoch.
    public var sequence: UInt64
    /// The origin's query endpoint, for snapshot requests after a gap (empty when unknown).
    public var queryEndpoint: String
    /// The set, with ``ParameterSnapshot/originNode`` and ``ParameterSnapshot/originEpoch`` equal to the above.
    public var snapshot: ParameterSnapshot

    public init(originNode: String, originEpoch: UInt64, sequence: UInt64, queryEndpoint: String,
                snapshot: ParameterSnapshot) {
        self.originNode = originNode
        self.originEpoch = originEpoch
        self.sequence = sequence
        self.queryEndpoint = queryEndpoint
        self.snapshot = snapshot
    }

    /// Decodes and validates a broadcast message: `[topic, payload]` or `[payload]`.
    /// - Returns: the broadcast, or why it must be dropped (the set never reaches the model when invalid).
    public static func decode(frames: [[UInt8]], maximumBytes: Int) -> Result<ParameterBroadcast, DropReason> {
        let payload: [UInt8]
        if frames.count == 2 && frames[0] == Topic.parameters {
            payload = frames[1]
        } else if frames.count == 1 {
            payload = frames[0]
        } else {
            return .failure(.malformed)
        }
        guard payload.count <= maximumBytes else { return .failure(.oversized) }
        guard let update = try? Saturn_V1_ParameterUpdate(serializedBytes: payload) else { return .failure(.malformed) }
        guard update.protocolVersion == wireProtocolVersion else { return .failure(.unsupportedVersion) }
        guard WireLimits.isValidName(update.originNode), update.hasSet else { return .failure(.missingField) }
        guard var snapshot = ParameterSnapshot(validating: update.set) else { return .failure(.invalidParameters) }
        snapshot.originNode = update.originNode
        snapshot.originEpoch = update.originEpoch
        return .success(
            ParameterBroadcast(
                originNode: update.originNode, originEpoch: update.originEpoch, sequence: update.sequence,
                queryEndpoint: update.queryEndpoint, snapshot: snapshot))
    }

    /// The message frames: `[topic, ParameterUpdate]`.
    public func frames() -> [[UInt8]] {
        var u = Saturn_V1_ParameterUpdate()
        u.protocolVersion = wireProtocolVersion
        u.originNode = originNode
        u.originEpoch = originEpoch
        u.sequence = sequence
        u.queryEndpoint = queryEndpoint
        u.set = snapshot.proto
        return [Topic.parameters, u.wireBytes()]
    }
}
