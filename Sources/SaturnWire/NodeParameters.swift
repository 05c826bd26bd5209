import SaturnModel

/// A node's answer to a parameters request: every set it holds, and where its broadcast sequence stands (what
/// a peer needs to resume after a gap, and what a late joiner needs to start warm).
public struct NodeParameters: Sendable, Equatable {
    public var nodeID: String
    /// The node's start time in ns since the epoch.
    public var nodeEpoch: UInt64
    /// The node's last broadcast sequence number.
    public var lastSequence: UInt64
    /// The valid sets, sorted by key.
    public var sets: [ParameterSnapshot]
    /// Sets in the reply that failed validation and were left out.
    public var invalidSets: Int

    public init(nodeID: String, nodeEpoch: UInt64, lastSequence: UInt64, sets: [ParameterSnapshot],
                invalidSets: Int = 0) {
        self.nodeID = nodeID
        self.nodeEpoch = nodeEpoch
        self.lastSequence = lastSequence
        self.sets = sets
        self.invalidSets = invalidSets
    }

    /// From the wire; invalid sets are left out and counted.
    public init(_ proto: Saturn_V1_ParametersReply) {
        let valid = proto.sets.compactMap(ParameterSnapshot.init(validating:))
        self.init(nodeID: proto.nodeID, nodeEpoch: proto.nodeEpoch, lastSequence: proto.lastSequence,
                  sets: valid, invalidSets: proto.sets.count - valid.count)
    }

    /// To the wire.
    public var proto: Saturn_V1_ParametersReply {
        var r = Saturn_V1_ParametersReply()
        r.nodeID = nodeID
        r.nodeEpoch = nodeEpoch
        r.lastSequence = lastSequence
        r.sets = sets.map(\.proto)
        return r
    }
}
