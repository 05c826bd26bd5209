/// What an agent's peer socket learnt from heartbeats (the health reply's `peer_liveness`).
public struct PeerLiveness: Sendable, Equatable {
    public var heartbeatsPublished: UInt64 = 0
    /// Valid heartbeats from other origins.
    public var heartbeatsReceived: UInt64 = 0
    /// Heartbeats whose sequence was beyond the origin's last update received (a snapshot was asked for).
    public var heartbeatGaps: UInt64 = 0
    /// Times an origin went silent (3 of its heartbeat intervals without a message).
    public var silences: UInt64 = 0
    /// Origins silent now, sorted.
    public var silentOrigins: [String] = []

    public init() {}

    /// From the wire.
    public init(_ p: Saturn_V1_PeerLiveness) {
        (heartbeatsPublished, heartbeatsReceived, heartbeatGaps, silences, silentOrigins) =
            (p.heartbeatsPublished, p.heartbeatsReceived, p.heartbeatGaps, p.silences, p.silentOrigins)
    }

    /// To the wire.
    public var proto: Saturn_V1_PeerLiveness {
        var p = Saturn_V1_PeerLiveness()
        (p.heartbeatsPublished, p.heartbeatsReceived, p.heartbeatGaps, p.silences, p.silentOrigins) =
            (heartbeatsPublished, heartbeatsReceived, heartbeatGaps, silences, silentOrigins)
        return p
    }
}
