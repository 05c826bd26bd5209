import SaturnAgent
import SaturnWire
import Testing

/// The broadcast state machine, driven directly (no sockets).
struct PeerTrackerTests {
    let key = ModelKey(model: "m-7b", hardware: "h")

    @Test func ownDuplicateAndInOrderUpdates() {
        var t = PeerTracker(selfNode: "me")
        do {
            let result = t.receive(origin: "me", epoch: 1, sequence: 1, key: key, version: 1, queryEndpoint: "q")
            #expect(result == .drop(reason: "own"))
        }
        do {
            let result = t.receive(origin: "a", epoch: 1, sequence: 1, key: key, version: 1, queryEndpoint: "q")
            #expect(result == .adopt(snapshotFrom: nil))
        }
        do {
            let result = t.receive(origin: "a", epoch: 1, sequence: 1, key: key, version: 1, queryEndpoint: "q")
            #expect(result == .drop(reason: "duplicate"))
        }
        do {
            let result = t.receive(origin: "a", epoch: 1, sequence: 2, key: key, version: 2, queryEndpoint: "q")
            #expect(result == .adopt(snapshotFrom: nil))
        }
    }

    @Test func gapsAskForASnapshot() {
        var t = PeerTracker(selfNode: "me")
        // Joining late: the first message seen is sequence 5.
        do {
            let result = t.receive(origin: "a", epoch: 1, sequence: 5, key: key, version: 5, queryEndpoint: "tcp://a:1")
            #expect(result == .adopt(snapshotFrom: "tcp://a:1"))
        }
        do {
            let result = t.receive(origin: "a", epoch: 1, sequence: 6, key: key, version: 6, queryEndpoint: "tcp://a:1")
            #expect(result == .adopt(snapshotFrom: nil))
        }
        do {
            let result = t.receive(origin: "a", epoch: 1, sequence: 9, key: key, version: 9, queryEndpoint: "tcp://a:1")
            #expect(result == .adopt(snapshotFrom: "tcp://a:1"))
        }
        // No endpoint: the gap is still noticed but there is nowhere to ask.
        do {
            let result = t.receive(origin: "a", epoch: 1, sequence: 12, key: key, version: 12, queryEndpoint: "")
            #expect(result == .adopt(snapshotFrom: nil))
        }
    }

    @Test func aRestartedOriginIsNotStaleButAnOldEpochIs() {
        var t = PeerTracker(selfNode: "me")
        do {
            let result = t.receive(origin: "a", epoch: 100, sequence: 40, key: key, version: 40, queryEndpoint: "")
            #expect(result == .adopt(snapshotFrom: nil))
        }
        // Restart: new epoch, sequence and version start again at 1.
        do {
            let result = t.receive(origin: "a", epoch: 200, sequence: 1, key: key, version: 1, queryEndpoint: "q")
            #expect(result == .adopt(snapshotFrom: nil))
        }
        do {
            let result = t.receive(origin: "a", epoch: 100, sequence: 41, key: key, version: 41, queryEndpoint: "q")
            #expect(result == .drop(reason: "stale"))
        }
    }

    @Test func snapshotSetsAreTakenOnlyWhenNewer() {
        var t = PeerTracker(selfNode: "me")
        do {
            let result = t.receive(origin: "a", epoch: 1, sequence: 3, key: key, version: 3, queryEndpoint: "")
            #expect(result != .drop(reason: "stale"))
        }
        do {
            let result = t.receiveSnapshotSet(key: key, setOrigin: "a", epoch: 1, version: 2)
            #expect(!result)
        }
        do {
            let result = t.receiveSnapshotSet(key: key, setOrigin: "a", epoch: 1, version: 4)
            #expect(result)
        }
        do {
            let result = t.receiveSnapshotSet(key: key, setOrigin: "me", epoch: 1, version: 9)
            #expect(!result)
        }
        t.resynchronise(node: "a", epoch: 1, lastSequence: 10)
        do {
            let result = t.receive(origin: "a", epoch: 1, sequence: 10, key: key, version: 10, queryEndpoint: "q")
            #expect(result == .drop(reason: "duplicate"))
        }
        do {
            let result = t.receive(origin: "a", epoch: 1, sequence: 11, key: key, version: 11, queryEndpoint: "q")
            #expect(result == .adopt(snapshotFrom: nil))
        }
    }
}
