import SaturnAgent
import SaturnModel
import SaturnWire
import Testing

/// Heartbeats in the peer state machine: a lost last update and a silent origin are noticed and a snapshot is
/// requested; nothing is requested when nothing was missed.
struct PeerTrackerHeartbeatTests {
    static let t0 = ContinuousClock.now

    static func beat(_ origin: String, epoch: UInt64 = 1, last: UInt64, query: String = "tcp://a:1",
                     interval: Duration = .seconds(1)) -> ParameterHeartbeat {
        ParameterHeartbeat(originNode: origin, originEpoch: epoch, lastSequence: last, queryEndpoint: query,
                           interval: interval)
    }

    @Test func aLostLastUpdateIsNoticed() {
        var t = PeerTracker(selfNode: "me")
        let u1 = PeerTrackerTests.update("a", epoch: 1, sequence: 1, version: 1, query: "tcp://a:1")
        #expect(t.receive(u1, now: Self.t0) == .adopt(snapshots: []))
        #expect(t.receiveHeartbeat(Self.beat("a", last: 1), now: Self.t0) == .alive)
        // Update 2 is lost and nothing follows it: only the heartbeat reveals it.
        #expect(t.receiveHeartbeat(Self.beat("a", last: 2), now: Self.t0 + .seconds(1))
                == .gap(snapshots: [.send(endpoint: "tcp://a:1", requestID: 1)]))
        // Still behind while the request is in flight: no second request.
        #expect(t.receiveHeartbeat(Self.beat("a", last: 2), now: Self.t0 + .seconds(2)) == .gap(snapshots: []))
        // The snapshot resumes the sequence: the next heartbeat is in order.
        let reply = NodeParameters(nodeID: "a", nodeEpoch: 1, lastSequence: 2,
                                   sets: [PeerTrackerTests.set("a", epoch: 1, version: 2)])
        let (newer, done) = t.receiveSnapshot(reply, from: "tcp://a:1")
        #expect(newer.map(\.version) == [2] && done == .close(endpoint: "tcp://a:1", gaveUp: false))
        #expect(t.receiveHeartbeat(Self.beat("a", last: 2), now: Self.t0 + .seconds(3)) == .alive)
    }

    @Test func ownStaleUnknownAndRestartedOrigins() {
        var t = PeerTracker(selfNode: "me")
        #expect(t.receiveHeartbeat(Self.beat("me", last: 9), now: Self.t0) == .own)
        // Never heard, nothing published: nothing to fetch.
        #expect(t.receiveHeartbeat(Self.beat("b", epoch: 5, last: 0, query: "tcp://b:1"), now: Self.t0) == .alive)
        // Never heard, but it has published: a late joiner behind a forwarder fetches a snapshot.
        #expect(t.receiveHeartbeat(Self.beat("c", epoch: 5, last: 3, query: "tcp://c:1"), now: Self.t0)
                == .gap(snapshots: [.send(endpoint: "tcp://c:1", requestID: 1)]))
        // b restarted (larger epoch) and published once before we heard it.
        #expect(t.receiveHeartbeat(Self.beat("b", epoch: 6, last: 1, query: "tcp://b:1"), now: Self.t0)
                == .gap(snapshots: [.send(endpoint: "tcp://b:1", requestID: 2)]))
        #expect(t.receiveHeartbeat(Self.beat("b", epoch: 5, last: 7, query: "tcp://b:1"), now: Self.t0) == .stale)
    }

    @Test func aSilentOriginIsAskedOnceAndRecovers() {
        var t = PeerTracker(selfNode: "me")
        let interval = Duration.milliseconds(200)
        // An origin that never sent a heartbeat is never judged silent.
        _ = t.receive(PeerTrackerTests.update("old", epoch: 1, sequence: 1, version: 1, query: "tcp://old:1"),
                      now: Self.t0)
        #expect(t.receiveHeartbeat(Self.beat("a", last: 0, interval: interval), now: Self.t0) == .alive)
        #expect(t.nextSilenceDeadline == Self.t0 + interval * PeerTracker.silentIntervals)
        #expect(t.newlySilentOrigins(now: Self.t0 + .milliseconds(599)).origins.isEmpty)
        let silent = t.newlySilentOrigins(now: Self.t0 + .milliseconds(600))
        #expect(silent.origins == ["a"] && silent.snapshots == [.send(endpoint: "tcp://a:1", requestID: 1)])
        #expect(t.silentOrigins == ["a"] && t.nextSilenceDeadline == nil)
        // Once per silence.
        #expect(t.newlySilentOrigins(now: Self.t0 + .seconds(5)).origins.isEmpty)
        // Heard again: no longer silent, watched again.
        #expect(t.receiveHeartbeat(Self.beat("a", last: 0, interval: interval), now: Self.t0 + .seconds(6)) == .alive)
        #expect(t.silentOrigins.isEmpty)
        #expect(t.nextSilenceDeadline == Self.t0 + .seconds(6) + interval * 3)
        // An update counts as being heard.
        _ = t.receive(PeerTrackerTests.update("a", epoch: 1, sequence: 1, version: 1, query: "tcp://a:1"),
                      now: Self.t0 + .seconds(7))
        #expect(t.nextSilenceDeadline == Self.t0 + .seconds(7) + interval * 3)
    }

    @Test func reloadedSetsAreRemembered() {
        var t = PeerTracker(selfNode: "me")
        t.remember([PeerTrackerTests.set("a", epoch: 1, version: 5)])
        #expect(t.receive(PeerTrackerTests.update("a", epoch: 1, sequence: 4, version: 4), now: Self.t0)
                == .drop(.stale))
        #expect(t.receive(PeerTrackerTests.update("a", epoch: 1, sequence: 6, version: 6), now: Self.t0)
                == .adopt(snapshots: [.send(endpoint: "q", requestID: 1)]))
    }
}
