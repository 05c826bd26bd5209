import SaturnModel
import SaturnTestKit
import SaturnWire
import Locking
import Testing

@testable import SaturnAgent

/// Forward Pass Metrics messages through the telemetry path, without sockets: steps are recorded under the
/// publisher's key like `StepTelemetry` steps, heartbeats only move liveness, and every drop, gap and restart is
/// counted for its publisher.
struct ForwardPassIngestTests {
    static let keyA = ModelKey(model: "llama-7b", hardware: "a100")
    static let keyB = ModelKey(model: "llama-70b", hardware: "h100-tp4")

    static func state(_ configure: (inout AgentConfiguration) -> Void = { _ in }) -> AgentState {
        var c = AgentConfiguration.ephemeralLoopback(nodeID: "n")
        c.forwardPassSources = [ForwardPassSource(endpoint: "tcp://127.0.0.1:20380", key: keyA),
                                ForwardPassSource(endpoint: "tcp://127.0.0.1:20381", key: keyB)]
        configure(&c)
        return AgentState(configuration: c)
    }

    /// Feeds `(publisher, frames)` messages through one batch.
    static func feed(_ ingest: inout TelemetryIngest, _ messages: [(Int, [[UInt8]])],
                     now: ContinuousClock.Instant = .now) -> Bool {
        ingest.begin(now: now)
        for (publisher, frames) in messages {
            let f = (0..<3).map { $0 < frames.count ? frames[$0] : [] }
            f[0].withUnsafeBytes { a in
                f[1].withUnsafeBytes { b in
                    f[2].withUnsafeBytes { c in
                        ingest.ingestForwardPass(publisher: publisher, frameCount: frames.count, a, b, c)
                    }
                }
            }
        }
        return ingest.finish()
    }

    @Test func stepsAreRecordedUnderThePublishersKeyAndHeartbeatsAreNot() {
        let state = Self.state()
        var ingest = TelemetryIngest(state: state)
        let t = ContinuousClock.now
        _ = Self.feed(&ingest, [
            (0, FPMPayload.frames(sequence: 0, FPMPayload.step(wallTime: 0.02, decodeRequests: 8, decodeKV: 4096))),
            (0, FPMPayload.frames(sequence: 1, FPMPayload.heartbeat())),
            (1, FPMPayload.frames(sequence: 0, FPMPayload.step(wallTime: 0.06, prefillRequests: 1, prefillTokens: 512))),
            (0, FPMPayload.frames(sequence: 2, FPMPayload.step(wallTime: 0.03, prefillRequests: 1, prefillTokens: 100,
                                                                  decodeRequests: 3))),
        ], now: t)
        let s = state.counters.withLock { $0 }
        #expect(s.telemetryAccepted == 3 && s.drops.isEmpty)
        #expect(state.ownObservations(Self.keyA) == 2 && state.ownObservations(Self.keyB) == 1)
        let window = state.keys.withLock { $0[Self.keyA]!.window.snapshot(last: 10) }.elements()
            .map { [$0.batchSize, $0.tokens, $0.latencyMs] }
        #expect(window == [[8, 8, 20], [4, 103, 30]])
        let a = s.forwardPassSources[0]
        #expect(a.messages == 3 && a.steps == 2 && a.heartbeats == 1 && a.sequenceGaps == 0 && a.lastSequence == 2)
        #expect(a.lastMessageAt == t && a.lastStepAt == t && a.lastHeartbeatAt == t && a.workerID == "w0")
        #expect(s.forwardPassSources[1].steps == 1 && s.forwardPassSources[1].lastHeartbeatAt == nil)
    }

    @Test func gapsAndRestartsAreCountedPerPublisherAndTheMessageIsUsed() {
        let state = Self.state()
        var ingest = TelemetryIngest(state: state)
        let step = FPMPayload.step(wallTime: 0.01, decodeRequests: 1)
        _ = Self.feed(&ingest, [
            (0, FPMPayload.frames(sequence: 5, step)),  // the first message seen: no gap
            (0, FPMPayload.frames(sequence: 6, step)),
            (0, FPMPayload.frames(sequence: 9, step)),  // 7 and 8 lost
            (1, FPMPayload.frames(sequence: 100, step)),
            (0, FPMPayload.frames(sequence: 20, step)),  // 10...19 lost
            (0, FPMPayload.frames(sequence: 0, step)),  // the publisher restarted
            (0, FPMPayload.frames(sequence: 1, step)),
        ])
        let s = state.counters.withLock { $0 }
        let a = s.forwardPassSources[0]
        #expect(a.sequenceGaps == 2 && a.missedMessages == 12 && a.sequenceRestarts == 1 && a.steps == 6)
        #expect(s.forwardPassSources[1].sequenceGaps == 0 && s.forwardPassSources[1].lastSequence == 100)
        #expect(s.telemetryAccepted == 7 && state.ownObservations(Self.keyA) == 6)
    }

    @Test func everyBadMessageIsDroppedAndCountedOnceByReason() {
        let state = Self.state { $0.maximumMessageBytes = 1024 }
        var ingest = TelemetryIngest(state: state)
        let step = FPMPayload.step(wallTime: 0.01, decodeRequests: 1)
        let v2 = FPMPayload.payload(FPMPayload.fields(version: .int(2), wallTime: .double(0.01),
                                                      scheduled: FPMPayload.scheduled(decodeRequests: 1)))
        _ = Self.feed(&ingest, [
            (0, [[], [0, 0, 0, 0, 0, 0, 0, 1], [0xde, 0xad]]),  // garbage payload
            (0, FPMPayload.frames(sequence: 2, v2)),
            (0, [[], step]),  // two frames
            (0, [[], [1, 2, 3], step]),  // a 3-byte sequence
            (0, FPMPayload.frames(sequence: 3, step) + [[]]),  // four frames
            (0, FPMPayload.frames(sequence: 4, [UInt8](repeating: 0x80, count: 2000))),  // oversized
            (0, FPMPayload.frames(sequence: 5, FPMPayload.step(wallTime: .nan, decodeRequests: 1))),
            (1, FPMPayload.frames(sequence: 1, FPMPayload.step(wallTime: 0.01))),  // no requests, time spent
            (1, FPMPayload.frames(sequence: 2, step)),
        ])
        let s = state.counters.withLock { $0 }
        #expect(s.forwardPassDrops == [.malformed: 1, .unsupportedVersion: 1, .unknownTopic: 3, .oversized: 1,
                                       .nonFinite: 1, .nonPositive: 1])
        #expect(s.drops["fpm.unknown_topic"] == 3 && s.telemetryDrops.isEmpty)
        #expect(s.forwardPassSources[0].drops.values.reduce(0, +) == 7 && s.forwardPassSources[0].messages == 7)
        #expect(s.forwardPassSources[1].drops == [.nonPositive: 1] && s.forwardPassSources[1].steps == 1)
        #expect(s.telemetryAccepted == 1 && state.ownObservations(Self.keyA) == 0)
    }

    @Test func aFloodingPublisherIsRateLimited() {
        let state = Self.state {
            $0.workerRateLimit = 10
            $0.workerBurst = 5
        }
        var ingest = TelemetryIngest(state: state)
        let messages = (0..<20).map { (0, FPMPayload.frames(sequence: UInt64($0), FPMPayload.step(wallTime: 0.01, decodeRequests: 1))) }
        _ = Self.feed(&ingest, messages)
        let s = state.counters.withLock { $0 }
        #expect(s.forwardPassSources[0].steps == 5 && s.forwardPassDrops == [.rateLimited: 15])
    }

    @Test func fpmAndStepTelemetryShareAKey() throws {
        let state = Self.state()
        var ingest = TelemetryIngest(state: state)
        _ = Self.feed(&ingest, [(0, FPMPayload.frames(sequence: 0, FPMPayload.step(wallTime: 0.01, decodeRequests: 2)))])
        _ = TelemetryIngestTests.feed(&ingest, [[Topic.step, try TelemetryIngestTests.payload(key: Self.keyA, sequence: 1)]])
        #expect(state.ownObservations(Self.keyA) == 2)
        #expect(state.keys.withLock { $0.count } == 1)
    }
}
