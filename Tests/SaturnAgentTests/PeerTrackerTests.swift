import SaturnAgent
import SaturnModel
import SaturnWire
import Testing

/// The peer protocol's state machine, driven directly (no sockets) with its own clock.
struct PeerTrackerTests {
    static let key = ModelKey(model: "m-7b", hardware: "h")
    static let t0 = ContinuousClock.now

    static func update(_ origin: String, epoch: UInt64, sequence: UInt64, version: UInt64, query: String = "q")
        -> ParameterBroadcast
    {
        let snapshot = ParameterSnapshot(
            key: key, parameters: PriorCatalog.genericDefault, version: version, originNode: origin,
            originEpoch: epoch, source: .localFit)
        return ParameterBroadcast(originNode: origin, originEpoch: epoch, sequence: sequence, queryEndpoint: query,
                                  snapshot: snapshot)
    }

    static func set(_ origin: String, epoch: UInt64, version: UInt64) -> ParameterSnapshot {
        ParameterSnapshot(key: key, parameters: PriorCatalog.genericDefault, version: version, originNode: origin,
                          originEpoch: epoch, source: .localFit)
    }

    @Test func ownDuplicateAndInOrderUpdates() {
        var t = PeerTracker(selfNode: "me")
        #expect(t.receive(Self.update("me", epoch: 1, sequence: 1, version: 1), now: Self.t0) == .drop(.own))
        #expect(t.receive(Self.update("a", epoch: 1, sequence: 1, version: 1), now: Self.t0) == .adopt(snapshots: []))
        #expect(t.receive(Self.update("a", epoch: 1, sequence: 1, version: 1), now: Self.t0) == .drop(.duplicate))
        #expect(t.receive(Self.update("a", epoch: 1, sequence: 2, version: 2), now: Self.t0) == .adopt(snapshots: []))
    }

    @Test func gapsAskForASnapshotOncePerEndpoint() {
        var t = PeerTracker(selfNode: "me")
        // Joining late: the first message seen is sequence 5.
        #expect(t.receive(Self.update("a", epoch: 1, sequence: 5, version: 5, query: "tcp://a:1"), now: Self.t0)
                == .adopt(snapshots: [.send(endpoint: "tcp://a:1", requestID: 1)]))
        #expect(t.receive(Self.update("a", epoch: 1, sequence: 6, version: 6, query: "tcp://a:1"), now: Self.t0)
                == .adopt(snapshots: []))
        // Another gap while the first request is still in flight: no second request.
        #expect(t.receive(Self.update("a", epoch: 1, sequence: 9, version: 9, query: "tcp://a:1"), now: Self.t0)
                == .adopt(snapshots: []))
        #expect(t.pendingSnapshotEndpoints == ["tcp://a:1"])
        // No endpoint: the gap is noticed but there is nowhere to ask.
        #expect(t.receive(Self.update("b", epoch: 1, sequence: 12, version: 12, query: ""), now: Self.t0)
                == .adopt(snapshots: []))
    }

    @Test func aRestartedOriginIsNotStaleButAnOldEpochIs() {
        var t = PeerTracker(selfNode: "me")
        #expect(t.receive(Self.update("a", epoch: 100, sequence: 1, version: 40), now: Self.t0) == .adopt(snapshots: []))
        // Restart: new epoch, sequence and version start again at 1.
        #expect(t.receive(Self.update("a", epoch: 200, sequence: 1, version: 1), now: Self.t0) == .adopt(snapshots: []))
        #expect(t.receive(Self.update("a", epoch: 100, sequence: 2, version: 41), now: Self.t0) == .drop(.stale))
    }

    @Test func snapshotRequestsAreRetriedThenAbandoned() {
        var t = PeerTracker(selfNode: "me", selfQueryEndpoint: "tcp://me:1", retryInterval: .seconds(2),
                            maximumAttempts: 3)
        #expect(t.requestSnapshot(from: "tcp://me:1", now: Self.t0).isEmpty)  // never this node
        #expect(t.requestSnapshot(from: "tcp://p:1", now: Self.t0) == [.send(endpoint: "tcp://p:1", requestID: 1)])
        #expect(t.requestSnapshot(from: "tcp://p:1", now: Self.t0).isEmpty)  // one in flight per endpoint
        #expect(t.nextSnapshotDeadline == Self.t0 + .seconds(2))
        #expect(t.dueSnapshotRequests(now: Self.t0 + .seconds(1)).isEmpty)
        #expect(t.dueSnapshotRequests(now: Self.t0 + .seconds(2)) == [.send(endpoint: "tcp://p:1", requestID: 1)])
        #expect(t.dueSnapshotRequests(now: Self.t0 + .seconds(4)) == [.send(endpoint: "tcp://p:1", requestID: 1)])
        #expect(t.dueSnapshotRequests(now: Self.t0 + .seconds(6)) == [.close(endpoint: "tcp://p:1", gaveUp: true)])
        #expect(t.pendingSnapshotEndpoints.isEmpty && t.nextSnapshotDeadline == nil)
        // A new request to the same endpoint gets a new id.
        #expect(t.requestSnapshot(from: "tcp://p:1", now: Self.t0) == [.send(endpoint: "tcp://p:1", requestID: 2)])
    }

    @Test func snapshotSetsAreTakenOnlyWhenNewerAndResumeTheSequence() {
        var t = PeerTracker(selfNode: "me")
        _ = t.requestSnapshot(from: "tcp://a:1", now: Self.t0)
        #expect(t.receive(Self.update("a", epoch: 1, sequence: 3, version: 3, query: ""), now: Self.t0) != .drop(.stale))
        let reply = NodeParameters(
            nodeID: "a", nodeEpoch: 1, lastSequence: 10,
            sets: [Self.set("a", epoch: 1, version: 2), Self.set("me", epoch: 1, version: 9)])
        let (newer, done) = t.receiveSnapshot(reply, from: "tcp://a:1")
        #expect(newer.isEmpty && done == .close(endpoint: "tcp://a:1", gaveUp: false))
        #expect(t.pendingSnapshotEndpoints.isEmpty)
        let (newer2, _) = t.receiveSnapshot(
            NodeParameters(nodeID: "a", nodeEpoch: 1, lastSequence: 10, sets: [Self.set("a", epoch: 1, version: 4)]),
            from: "tcp://a:1")
        #expect(newer2.map(\.version) == [4])
        // The reply's last sequence closed the gap: 10 is a duplicate, 11 is in order.
        #expect(t.receive(Self.update("a", epoch: 1, sequence: 10, version: 10), now: Self.t0) == .drop(.duplicate))
        #expect(t.receive(Self.update("a", epoch: 1, sequence: 11, version: 11), now: Self.t0) == .adopt(snapshots: []))
    }
}
