import SaturnModel
import SaturnWire

/// The peer protocol's logic as a value-type state machine: for each incoming broadcast it decides whether to
/// drop it (and why) or adopt it, and it runs the snapshot requests (on start, and after a sequence gap) with
/// their retries. It does no I/O: the socket thread executes the ``SnapshotAction``s it returns, and tests drive
/// it directly with their own clock.
///
/// Rules, per origin node:
/// - an update from this node is dropped (``DropReason/own``);
/// - a larger `origin_epoch` means the origin restarted: its sequence tracking starts over (so a restarted
///   origin is never rejected as stale); a smaller epoch is ``DropReason/stale``;
/// - within an epoch, a sequence at or below the last seen is a ``DropReason/duplicate``; one above `last + 1`
///   is a gap: the update is still used, and a snapshot is requested from the origin's query endpoint;
/// - per key, an update older than the one already taken from the same origin — `(epoch, version)` compared in
///   that order — is ``DropReason/stale``.
///
/// Heartbeats (the Clone pattern): an origin's heartbeat carries its epoch and latest sequence. A sequence beyond
/// the last update received from it (in that epoch; for an origin never heard, any update at all) means updates
/// were lost, the last one possibly with nothing after it to reveal the gap: a snapshot is requested. An origin
/// that has sent heartbeats and then is heard from (heartbeat or update) for ``silentIntervals`` of its own
/// heartbeat intervals is silent: a snapshot is requested from its query endpoint (which may still be reachable
/// when the broadcast path is not, e.g. a forwarder down), once per silence.
///
/// Snapshot requests: one in flight per endpoint (never to this node's own query endpoint), sent at once, resent
/// every `retryInterval` until answered, abandoned after `maximumAttempts`.
public struct PeerTracker: Sendable {
    /// What to do with one broadcast.
    public enum Action: Sendable, Equatable {
        case drop(DropReason)
        /// Install the set; `snapshots` are the requests to send (after a gap).
        case adopt(snapshots: [SnapshotAction])
    }

    /// Socket work for snapshot requests.
    public enum SnapshotAction: Sendable, Equatable {
        /// Send a parameters request with `requestID` to `endpoint` (opening a DEALER to it if needed).
        case send(endpoint: String, requestID: UInt64)
        /// Close the DEALER to `endpoint`: answered, or given up (`gaveUp`).
        case close(endpoint: String, gaveUp: Bool)
    }

    /// What happened to one heartbeat.
    public enum HeartbeatAction: Sendable, Equatable {
        /// This node's own heartbeat (heard back through a forwarder): ignored.
        case own
        /// From an earlier run of the origin than one already heard.
        case stale
        /// Nothing was missed.
        case alive
        /// Updates were missed; `snapshots` are the requests to send (empty when one is in flight already).
        case gap(snapshots: [SnapshotAction])
    }

    struct Origin: Sendable {
        var epoch: UInt64
        var lastSequence: UInt64
        /// Its query endpoint, from its last update or heartbeat (empty when unknown).
        var queryEndpoint = ""
        var lastHeard: ContinuousClock.Instant? = nil
        /// ``silentIntervals`` of its heartbeat interval; nil until it sent a heartbeat (never judged silent).
        var silentAfter: Duration? = nil
        var silent = false

        /// Heard at `now`; the query endpoint kept when given.
        mutating func heard(at now: ContinuousClock.Instant, queryEndpoint endpoint: String) {
            lastHeard = now
            silent = false
            if !endpoint.isEmpty { queryEndpoint = endpoint }
        }
    }

    /// Heartbeat intervals without a message after which an origin is silent.
    public static let silentIntervals = 3

    struct PendingSnapshot: Sendable {
        var requestID: UInt64
        var attempts: Int
        var deadline: ContinuousClock.Instant
    }

    let selfNode: String
    /// This node's advertised query endpoint (never asked for a snapshot).
    let selfQueryEndpoint: String
    let retryInterval: Duration
    let maximumAttempts: Int
    var origins: [String: Origin] = [:]
    var keyVersions: [ModelKey: [String: (epoch: UInt64, version: UInt64)]] = [:]
    var pending: [String: PendingSnapshot] = [:]
    var nextRequestID: UInt64 = 1

    public init(selfNode: String, selfQueryEndpoint: String = "", retryInterval: Duration = .seconds(2),
                maximumAttempts: Int = 30) {
        self.selfNode = selfNode
        self.selfQueryEndpoint = selfQueryEndpoint
        self.retryInterval = retryInterval
        self.maximumAttempts = maximumAttempts
    }

    // MARK: - Broadcasts

    /// Handles one broadcast (already decoded and validated) received at `now`.
    public mutating func receive(_ b: ParameterBroadcast, now: ContinuousClock.Instant) -> Action {
        if b.originNode == selfNode { return .drop(.own) }
        var gap = false
        if let known = origins[b.originNode] {
            if b.originEpoch < known.epoch { return .drop(.stale) }
            if b.originEpoch == known.epoch {
                if b.sequence <= known.lastSequence { return .drop(.duplicate) }
                gap = b.sequence > known.lastSequence + 1
            } else {
                gap = b.sequence > 1
            }
        } else {
            // First message from this origin: anything before it was missed.
            gap = b.sequence > 1
        }
        var origin = origins[b.originNode] ?? Origin(epoch: b.originEpoch, lastSequence: 0)
        (origin.epoch, origin.lastSequence) = (b.originEpoch, b.sequence)
        origin.heard(at: now, queryEndpoint: b.queryEndpoint)
        origins[b.originNode] = origin
        let key = b.snapshot.key
        if !isNewer(key: key, origin: b.originNode, epoch: b.originEpoch, version: b.snapshot.version) {
            return .drop(.stale)
        }
        keyVersions[key, default: [:]][b.originNode] = (b.originEpoch, b.snapshot.version)
        let requests = gap && !b.queryEndpoint.isEmpty ? requestSnapshot(from: b.queryEndpoint, now: now) : []
        return .adopt(snapshots: requests)
    }

    // MARK: - Heartbeats

    /// Handles one heartbeat (already decoded and validated) received at `now`.
    public mutating func receiveHeartbeat(_ h: ParameterHeartbeat, now: ContinuousClock.Instant) -> HeartbeatAction {
        if h.originNode == selfNode { return .own }
        var origin = origins[h.originNode] ?? Origin(epoch: h.originEpoch, lastSequence: 0)
        if h.originEpoch < origin.epoch { return .stale }
        if h.originEpoch > origin.epoch { (origin.epoch, origin.lastSequence) = (h.originEpoch, 0) }
        origin.heard(at: now, queryEndpoint: h.queryEndpoint)
        origin.silentAfter = h.interval * Self.silentIntervals
        origins[h.originNode] = origin
        guard h.lastSequence > origin.lastSequence else { return .alive }
        let endpoint = origin.queryEndpoint
        return .gap(snapshots: endpoint.isEmpty ? [] : requestSnapshot(from: endpoint, now: now))
    }

    /// Origins that have just become silent at `now` (sorted), and the snapshot requests to send to them.
    public mutating func newlySilentOrigins(now: ContinuousClock.Instant)
        -> (origins: [String], snapshots: [SnapshotAction])
    {
        var silent: [String] = []
        var actions: [SnapshotAction] = []
        for (node, var o) in origins.sorted(by: { $0.key < $1.key }) where !o.silent {
            guard let after = o.silentAfter, let heard = o.lastHeard, now - heard >= after else { continue }
            o.silent = true
            origins[node] = o
            silent.append(node)
            if !o.queryEndpoint.isEmpty { actions += requestSnapshot(from: o.queryEndpoint, now: now) }
        }
        return (silent, actions)
    }

    /// Origins silent now, sorted.
    public var silentOrigins: [String] { origins.filter(\.value.silent).map(\.key).sorted() }

    /// When the next origin becomes silent unless heard from (nil when none is watched).
    public var nextSilenceDeadline: ContinuousClock.Instant? {
        origins.values.compactMap { o in
            guard !o.silent, let after = o.silentAfter, let heard = o.lastHeard else { return nil }
            return heard + after
        }.min()
    }

    /// Remembers sets held before this run (reloaded from the state directory), so that older versions from their
    /// origins are not taken again.
    public mutating func remember(_ sets: [ParameterSnapshot]) {
        for set in sets where set.source.isFitted && !set.originNode.isEmpty && set.originNode != selfNode {
            if isNewer(key: set.key, origin: set.originNode, epoch: set.originEpoch, version: set.version) {
                keyVersions[set.key, default: [:]][set.originNode] = (set.originEpoch, set.version)
            }
        }
    }

    // MARK: - Snapshots

    /// Starts a snapshot request to `endpoint` (nothing when one is in flight there, or it is this node).
    public mutating func requestSnapshot(from endpoint: String, now: ContinuousClock.Instant) -> [SnapshotAction] {
        guard endpoint != selfQueryEndpoint, pending[endpoint] == nil else { return [] }
        pending[endpoint] = PendingSnapshot(requestID: nextRequestID, attempts: 0, deadline: now)
        nextRequestID += 1
        return dueSnapshotRequests(now: now)
    }

    /// Requests whose retry time has come: resent, or abandoned after ``maximumAttempts``.
    public mutating func dueSnapshotRequests(now: ContinuousClock.Instant) -> [SnapshotAction] {
        var actions: [SnapshotAction] = []
        for (endpoint, var p) in pending.sorted(by: { $0.key < $1.key }) where p.deadline <= now {
            if p.attempts >= maximumAttempts {
                pending[endpoint] = nil
                actions.append(.close(endpoint: endpoint, gaveUp: true))
                continue
            }
            p.attempts += 1
            p.deadline = now + retryInterval
            pending[endpoint] = p
            actions.append(.send(endpoint: endpoint, requestID: p.requestID))
        }
        return actions
    }

    /// The earliest time a pending request is due (nil when none is pending).
    public var nextSnapshotDeadline: ContinuousClock.Instant? { pending.values.map(\.deadline).min() }

    /// Endpoints with a request in flight.
    public var pendingSnapshotEndpoints: [String] { pending.keys.sorted() }

    /// Handles a snapshot reply from `endpoint` (node id, epoch and last sequence of the answering node, and its
    /// sets). Resumes the node's sequence tracking at `lastSequence` (gap closed).
    /// - Returns: the sets newer than what was taken from their origins, and the action that ends the request.
    public mutating func receiveSnapshot(_ reply: NodeParameters, from endpoint: String)
        -> (newer: [ParameterSnapshot], done: SnapshotAction)
    {
        pending[endpoint] = nil
        resynchronise(node: reply.nodeID, epoch: reply.nodeEpoch, lastSequence: reply.lastSequence)
        var newer: [ParameterSnapshot] = []
        for set in reply.sets where set.source.isFitted {
            let origin = set.originNode
            guard origin != selfNode, !origin.isEmpty,
                isNewer(key: set.key, origin: origin, epoch: set.originEpoch, version: set.version)
            else { continue }
            keyVersions[set.key, default: [:]][origin] = (set.originEpoch, set.version)
            newer.append(set)
        }
        return (newer, .close(endpoint: endpoint, gaveUp: false))
    }

    private mutating func resynchronise(node: String, epoch: UInt64, lastSequence: UInt64) {
        if let known = origins[node], known.epoch > epoch { return }
        if let known = origins[node], known.epoch == epoch, known.lastSequence >= lastSequence { return }
        var origin = origins[node] ?? Origin(epoch: epoch, lastSequence: lastSequence)
        (origin.epoch, origin.lastSequence) = (epoch, lastSequence)
        origins[node] = origin
    }

    private func isNewer(key: ModelKey, origin: String, epoch: UInt64, version: UInt64) -> Bool {
        guard let seen = keyVersions[key]?[origin] else { return true }
        return (epoch, version) > (seen.epoch, seen.version)
    }
}
