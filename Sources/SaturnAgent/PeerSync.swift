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
    }

    /// The snapshot requests of a start: every configured peer's query endpoint and snapshot source.
    mutating func start(now: ContinuousClock.Instant) -> [PeerTracker.SnapshotAction] {
        let c = state.configuration
        return (c.peers.compactMap(\.query) + c.snapshotSources).flatMap { requestSnapshot(from: $0, now: now) }
    }

    /// Handles one message from the peers' SUB socket.
    mutating func receiveBroadcast(_ frames: [[UInt8]], now: ContinuousClock.Instant) -> [PeerTracker.SnapshotAction] {
        let broadcast: ParameterBroadcast
        switch ParameterBroadcast.decode(frames: frames, maximumBytes: state.configuration.maximumMessageBytes) {
        case .success(let b): broadcast = b
        case .failure(let reason):
            state.count(reason, on: .broadcast)
            return []
        }
        switch tracker.receive(broadcast, now: now) {
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
