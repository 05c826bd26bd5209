import Logging
import SaturnModel
import SaturnWire
import Locking
import SwiftProtobuf

/// Broadcast intake and snapshot replies, without sockets: decodes and validates peers' messages, runs them
/// through the ``PeerTracker``, installs what it adopts in the ``AgentState``, counts every drop, and returns the
/// snapshot socket work for the socket thread to execute. Owned by the socket thread; tests drive it directly.
struct PeerSync {
    let state: AgentState
    let logger: Logger
    private(set) var tracker: PeerTracker

    init(state: AgentState, advertisedQueryEndpoint: String, logger: Logger) {
        self.state = state
        self.logger = logger
        let c = state.configuration
        tracker = PeerTracker(
            selfNode: c.nodeID, selfQueryEndpoint: advertisedQueryEndpoint, retryInterval: c.snapshotRetryInterval,
            maximumAttempts: c.snapshotAttempts)
        // Sets reloaded from the state directory: older versions from their origins are not taken again.
        tracker.remember(state.snapshots.withLock { Array($0.values) })
    }

    /// The snapshot requests of a start: every configured peer's query endpoint and snapshot source.
    mutating func start(now: ContinuousClock.Instant) -> [PeerTracker.SnapshotAction] {
        let c = state.configuration
        return (c.peers.compactMap(\.query) + c.snapshotSources).flatMap { requestSnapshot(from: $0, now: now) }
    }

    /// Handles one message from the peers' SUB socket: a heartbeat (topic `heartbeat`) or an update.
    mutating func receive(_ frames: [[UInt8]], now: ContinuousClock.Instant) -> [PeerTracker.SnapshotAction] {
        guard frames.count == 2, frames[0] == Topic.heartbeat else { return receiveBroadcast(frames, now: now) }
        let heartbeat: ParameterHeartbeat
        switch ParameterHeartbeat.decode(payload: frames[1], maximumBytes: state.configuration.maximumMessageBytes) {
        case .success(let h): heartbeat = h
        case .failure(let reason):
            state.count(reason, on: .broadcast)
            return []
        }
        switch tracker.receiveHeartbeat(heartbeat, now: now) {
        case .own:
            return []
        case .stale:
            state.count(.stale, on: .broadcast)
            return []
        case .alive:
            state.counters.withLock { $0.peerLiveness.heartbeatsReceived += 1 }
            noteSilentOrigins()
            return []
        case .gap(let requests):
            state.counters.withLock {
                $0.peerLiveness.heartbeatsReceived += 1
                if !requests.isEmpty {
                    $0.peerLiveness.heartbeatGaps += 1
                    $0.snapshotsRequested += 1
                }
            }
            if !requests.isEmpty {
                logger.info(
                    "heartbeat shows missed updates, requesting snapshot",
                    metadata: ["origin": "\(heartbeat.originNode)", "last_sequence": "\(heartbeat.lastSequence)"])
            }
            noteSilentOrigins()
            return requests
        }
    }

    /// Origins that went silent by `now`: logged, counted, and asked for a snapshot.
    mutating func checkSilence(now: ContinuousClock.Instant) -> [PeerTracker.SnapshotAction] {
        let (silent, requests) = tracker.newlySilentOrigins(now: now)
        guard !silent.isEmpty else { return [] }
        logger.warning("peer origin silent, requesting snapshot", metadata: ["origins": "\(silent)"])
        state.counters.withLock {
            $0.peerLiveness.silences += UInt64(silent.count)
            $0.snapshotsRequested += UInt64(requests.filter { if case .send = $0 { true } else { false } }.count)
        }
        noteSilentOrigins()
        return requests
    }

    /// Copies the silent origins into the counters when they changed.
    private func noteSilentOrigins() {
        let silent = tracker.silentOrigins
        state.counters.withLock {
            if $0.peerLiveness.silentOrigins != silent { $0.peerLiveness.silentOrigins = silent }
        }
    }

    /// Handles one update from the peers' SUB socket.
    mutating func receiveBroadcast(_ frames: [[UInt8]], now: ContinuousClock.Instant) -> [PeerTracker.SnapshotAction] {
        let broadcast: ParameterBroadcast
        switch ParameterBroadcast.decode(frames: frames, maximumBytes: state.configuration.maximumMessageBytes) {
        case .success(let b): broadcast = b
        case .failure(let reason):
            state.count(reason, on: .broadcast)
            return []
        }
        let action = tracker.receive(broadcast, now: now)
        noteSilentOrigins()
        switch action {
        case .drop(let reason):
            state.count(reason, on: .broadcast)
            return []
        case .adopt(let requests):
            let s = broadcast.snapshot
            if state.adoptPeer(s) {
                logger.info(
                    "adopted peer parameters",
                    metadata: ["key": "\(s.key)", "origin": "\(s.originNode)", "version": "\(s.version)"])
            }
            if !requests.isEmpty {
                logger.info("broadcast sequence gap, requesting snapshot", metadata: ["origin": "\(broadcast.originNode)"])
                state.counters.withLock { $0.snapshotsRequested += 1 }
            }
            return requests
        }
    }

    /// Handles one message on the DEALER of a pending snapshot request to `endpoint`.
    mutating func receiveSnapshotReply(_ frames: [[UInt8]], from endpoint: String) -> [PeerTracker.SnapshotAction] {
        guard let payload = frames.last, let reply = try? Saturn_V1_Reply(serializedBytes: payload),
            reply.protocolVersion == wireProtocolVersion, case .parameters(let body)? = reply.body
        else {
            state.count(.malformed, on: .broadcast)
            return []
        }
        let nodeParameters = NodeParameters(body)
        let (newer, done) = tracker.receiveSnapshot(nodeParameters, from: endpoint)
        let adopted = newer.filter(state.adoptPeer).count
        logger.info(
            "snapshot received",
            metadata: ["from": "\(nodeParameters.nodeID)", "sets": "\(body.sets.count)", "adopted": "\(adopted)",
                       "invalid": "\(nodeParameters.invalidSets)"])
        return [done]
    }

    /// Snapshot requests whose retry time has come.
    mutating func due(now: ContinuousClock.Instant) -> [PeerTracker.SnapshotAction] {
        let actions = tracker.dueSnapshotRequests(now: now)
        for case .close(let endpoint, true) in actions {
            logger.warning("snapshot source did not answer, giving up", metadata: ["endpoint": "\(endpoint)"])
        }
        return actions
    }

    private mutating func requestSnapshot(from endpoint: String, now: ContinuousClock.Instant) -> [PeerTracker.SnapshotAction] {
        let actions = tracker.requestSnapshot(from: endpoint, now: now)
        if !actions.isEmpty { state.counters.withLock { $0.snapshotsRequested += 1 } }
        return actions
    }
}
