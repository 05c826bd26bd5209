import SaturnModel

/// What an agent keeps across restarts (`saturn agent --state-dir`): every parameter set it holds (its own fits and
/// peers' sets, each with its origin, epoch and version), the record of update candidates, and the highest
/// version it gave each key, so that its next own set continues above it. The file format is in
/// `PersistedState+File.swift` and the `.proto` (`StateRecord`).
public struct PersistedState: Sendable, Equatable {
    /// The node that wrote the state, and its epoch then.
    public var nodeID: String
    public var nodeEpoch: UInt64
    /// When it was written, ns since the Unix epoch.
    public var writtenUnixNs: Int64
    /// The sets, one per key.
    public var sets: [ParameterSnapshot]
    /// Update candidates, oldest first per key.
    public var updates: [UpdateRecord]
    /// The highest version this node gave each key.
    public var ownVersions: [ModelKey: UInt64]

    public init(nodeID: String, nodeEpoch: UInt64, writtenUnixNs: Int64 = 0, sets: [ParameterSnapshot] = [],
                updates: [UpdateRecord] = [], ownVersions: [ModelKey: UInt64] = [:]) {
        self.nodeID = nodeID
        self.nodeEpoch = nodeEpoch
        self.writtenUnixNs = writtenUnixNs
        self.sets = sets
        self.updates = updates
        self.ownVersions = ownVersions
    }
}
