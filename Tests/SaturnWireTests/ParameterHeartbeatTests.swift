import SaturnWire
import Testing

struct ParameterHeartbeatTests {
    @Test func roundTripAndBadInput() {
        let h = ParameterHeartbeat(
            originNode: "a", originEpoch: 7, lastSequence: 12, queryEndpoint: "tcp://127.0.0.1:5556",
            interval: .milliseconds(250))
        let frames = h.frames()
        #expect(frames[0] == Topic.heartbeat)
        #expect(ParameterHeartbeat.decode(payload: frames[1], maximumBytes: 1024) == .success(h))
        #expect(ParameterHeartbeat.decode(payload: frames[1], maximumBytes: 8) == .failure(.oversized))
        #expect(ParameterHeartbeat.decode(payload: [0xFF, 0xFF], maximumBytes: 1024) == .failure(.malformed))
        var noName = h
        noName.originNode = ""
        #expect(ParameterHeartbeat.decode(payload: noName.frames()[1], maximumBytes: 1024) == .failure(.missingField))
        var m = Saturn_V1_ParameterHeartbeat()
        m.protocolVersion = 2
        m.originNode = "a"
        m.intervalMs = 1000
        #expect(ParameterHeartbeat.decode(payload: m.wireBytes(), maximumBytes: 1024) == .failure(.unsupportedVersion))
        m.protocolVersion = 1
        m.intervalMs = 0
        #expect(ParameterHeartbeat.decode(payload: m.wireBytes(), maximumBytes: 1024) == .failure(.missingField))
    }
}
