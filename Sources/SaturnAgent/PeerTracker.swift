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

    struct Origin: Sendable {
        var epoch: UInt64
        var lastSequence: UInt64
    }

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
        origins[b.originNode] = Origin(epoch: b.originEpoch, lastSequence: b.sequence)
        let key = b.snapshot.key
        if !isNewer(key: key, origin: b.originNode, epoch: b.originEpoch, version: b.snapshot.version) {
            return .drop(.stale)
        }
        keyVersions[key, default: [:]][b.originNode] = (b.originEpoch, b.snapshot.version)
        let requests = gap && !b.queryEndpoint.isEmpty ? requestSnapshot(from: b.queryEndpoint, now: now) : []
        return .adopt(snapshots: requests)
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
        origins[node] = Origin(epoch: epoch, lastSequence: lastSequence)
    }

    private func isNewer(key: ModelKey, origin: String, epoch: UInt64, version: UInt64) -> Bool {
        guard let seen = keyVersions[key]?[origin] else { return true }
        return (epoch, version) > (seen.epoch, seen.version)
    }
}
