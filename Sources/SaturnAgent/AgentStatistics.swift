import SaturnModel
import SaturnWire

/// A consistent copy of a running agent's counters: what the health reply shows, and the seam for a metrics
/// exporter.
public struct AgentStatistics: Sendable, Equatable {
    /// Telemetry steps recorded.
    public var telemetryAccepted: UInt64 = 0
    /// Queries answered without error.
    public var queriesAnswered: UInt64 = 0
    /// Parameter updates this node published.
    public var updatesPublished: UInt64 = 0
    /// Peers' sets installed.
    public var updatesAdopted: UInt64 = 0
    /// Snapshot requests started (each retried until answered or given up).
    public var snapshotsRequested: UInt64 = 0
    /// Telemetry messages dropped, by reason.
    public var telemetryDrops: [DropReason: UInt64] = [:]
    /// Broadcast messages dropped, by reason.
    public var broadcastDrops: [DropReason: UInt64] = [:]
    /// Forward Pass Metrics messages dropped, by reason (over every source).
    public var forwardPassDrops: [DropReason: UInt64] = [:]
    /// Queries answered with an error, by code.
    public var queryErrors: [QueryError.Code: UInt64] = [:]
    /// Refused connection attempts on the CURVE-protected sockets, by socket and reason.
    public var authenticationDenials: [AuthenticationDenial: UInt64] = [:]
    /// Each configured Forward Pass Metrics publisher's counts and liveness, in configuration order (copied from
    /// the socket thread once per received batch).
    public var forwardPassSources: [ForwardPassSourceStatistics] = []
    /// Every query replied to (answer or error), by the kind of its request.
    public var queries: [QueryKind: UInt64] = [:]
    /// Update candidates this node installed, by path (`refit` is a full fit).
    public var updatesAccepted: [UpdatePath: UInt64] = [:]
    /// Update candidates this node rejected (or that failed), by path.
    public var updatesRejected: [UpdatePath: UInt64] = [:]
    /// The state directory's loads and writes.
    public var state = StateHealth()
    /// Heartbeats sent and heard, and the gaps and silences they revealed.
    public var peerLiveness = PeerLiveness()

    public init() {}

    /// Every non-zero drop and error counter by its name: `telemetry.<reason>`, `broadcast.<reason>`,
    /// `fpm.<reason>`, `query.<code>`, `auth.<socket>.<reason>` (the health reply's `drops`).
    public var drops: [String: UInt64] {
        var d: [String: UInt64] = [:]
        for (r, n) in telemetryDrops where n > 0 { d[r.counterName(on: .telemetry)] = n }
        for (r, n) in broadcastDrops where n > 0 { d[r.counterName(on: .broadcast)] = n }
        for (r, n) in forwardPassDrops where n > 0 { d[r.counterName(on: .fpm)] = n }
        for (c, n) in queryErrors where n > 0 { d[QueryError(c, "").counterName] = n }
        for (a, n) in authenticationDenials where n > 0 { d[a.counterName] = n }
        return d
    }

    /// Counts one dropped message.
    mutating func count(_ reason: DropReason, on channel: DropReason.Channel, times n: UInt64 = 1) {
        switch channel {
        case .telemetry: telemetryDrops[reason, default: 0] += n
        case .broadcast: broadcastDrops[reason, default: 0] += n
        case .fpm: forwardPassDrops[reason, default: 0] += n
        }
    }
}
