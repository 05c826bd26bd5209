import SaturnModel
import SaturnWire
import SwiftProtobuf
import Locking
import Testing

@testable import SaturnAgent

/// The telemetry path from bytes to recorded observations, driven without sockets: every message is either
/// recorded or dropped and counted under exactly one reason.
struct TelemetryIngestTests {
    static let key = ModelKey(model: "m-7b", hardware: "gpu")

    static func payload(worker: String = "w", key: ModelKey = key, sequence: UInt64, latencyMs: Double = 10,
                        batchSize: UInt32 = 4) throws -> [UInt8] {
        try Saturn_V1_StepTelemetry(
            workerID: worker, key: key, batchSize: batchSize, tokens: 64, latencyMs: latencyMs, sequence: sequence,
            timestampNs: 1
        ).serializedBytes()
    }

    /// Feeds messages given as frame lists through one batch.
    static func feed(_ ingest: inout TelemetryIngest, _ messages: [[[UInt8]]], now: ContinuousClock.Instant = .now)
        -> Bool
    {
        ingest.begin(now: now)
        for frames in messages {
            let first = frames.first ?? []
            let second = frames.count > 1 ? frames[1] : []
            first.withUnsafeBytes { f in
                second.withUnsafeBytes { s in ingest.ingest(frameCount: frames.count, f, s) }
            }
        }
        return ingest.finish()
    }

    static func state(_ configure: (inout AgentConfiguration) -> Void = { _ in }) -> AgentState {
        var c = AgentConfiguration.ephemeralLoopback(nodeID: "n")
        configure(&c)
        return AgentState(configuration: c)
    }

    @Test func validStepsAreRecordedAndEveryDropIsCountedOnce() throws {
        let state = Self.state()
        var ingest = TelemetryIngest(state: state)
        let fitDue = Self.feed(&ingest, [
            [Topic.step, try Self.payload(sequence: 1)],
            [try Self.payload(sequence: 2)],  // bare payload
            [Topic.step, try Self.payload(sequence: 2)],  // duplicate
            [Array("other".utf8), try Self.payload(sequence: 3)],  // unknown topic
            [Topic.step, try Self.payload(sequence: 3), [1]],  // three frames
            [Topic.step, [0xff, 0xff]],  // malformed
            [Topic.step, try Self.payload(sequence: 4, latencyMs: .nan)],
            [Topic.step, try Self.payload(sequence: 5, latencyMs: 0)],
            [Topic.step, try Self.payload(sequence: 6, batchSize: 2_000_000)],
            [Topic.step, [UInt8](repeating: 0, count: 70_000)],  // oversized
            [Topic.step, try Self.payload(worker: "\u{FFFD}", sequence: 1).map { $0 == 0xEF ? 0xFF : $0 }],  // bad UTF-8
        ])
        #expect(!fitDue)
        let s = state.counters.withLock { $0 }
        #expect(s.telemetryAccepted == 2)
        #expect(s.telemetryDrops == [.duplicate: 1, .unknownTopic: 2, .malformed: 2, .nonFinite: 1, .nonPositive: 1,
                                     .absurd: 1, .oversized: 1])
        #expect(state.ownObservations(Self.key) == 2)
    }

    @Test func workersBeyondTheTableAreCountedAsTooManyWorkers() throws {
        let state = Self.state { $0.maximumWorkers = 2 }
        var ingest = TelemetryIngest(state: state)
        let messages = try (0..<5).map { [Topic.step, try Self.payload(worker: "w\($0)", sequence: 1)] }
        _ = Self.feed(&ingest, messages + [[Topic.step, try Self.payload(worker: "w1", sequence: 2)]])
        let s = state.counters.withLock { $0 }
        #expect(s.telemetryAccepted == 3 && s.telemetryDrops == [.tooManyWorkers: 3])
    }

    @Test func keysBeyondTheTableAreCountedAsTooManyKeys() throws {
        let state = Self.state { $0.maximumKeys = 1 }
        var ingest = TelemetryIngest(state: state)
        let other = ModelKey(model: "other", hardware: "gpu")
        _ = Self.feed(&ingest, [
            [Topic.step, try Self.payload(sequence: 1)],
            [Topic.step, try Self.payload(key: other, sequence: 2)],
            [Topic.step, try Self.payload(key: other, sequence: 3)],
        ])
        let s = state.counters.withLock { $0 }
        #expect(s.telemetryAccepted == 1 && s.telemetryDrops == [.tooManyKeys: 2])
    }

    @Test func aWorkerOverItsBucketIsRateLimitedUntilItRefills() throws {
        let state = Self.state {
            $0.workerBurst = 3
            $0.workerRateLimit = 10
        }
        var ingest = TelemetryIngest(state: state)
        let t0 = ContinuousClock.now
        _ = Self.feed(&ingest, try (1...5).map { [Topic.step, try Self.payload(sequence: UInt64($0))] }, now: t0)
        // 0.2 s later two tokens have accrued.
        _ = Self.feed(&ingest, try (6...9).map { [Topic.step, try Self.payload(sequence: UInt64($0))] },
                      now: t0 + .milliseconds(200))
        let s = state.counters.withLock { $0 }
        #expect(s.telemetryAccepted == 5 && s.telemetryDrops == [.rateLimited: 4])
    }

    @Test func aKeyBecomesDueForAFitAfterEnoughObservations() throws {
        let state = Self.state {
            $0.minimumObservations = 8
            $0.fitEvery = 8
        }
        var ingest = TelemetryIngest(state: state)
        #expect(!Self.feed(&ingest, try (1...7).map { [Topic.step, try Self.payload(sequence: UInt64($0))] }))
        #expect(Self.feed(&ingest, [[Topic.step, try Self.payload(sequence: 8)]]))
    }

    @Test func aFleetOfWorkersKeepsPerWorkerSequencesAcrossTableGrowth() throws {
        // 300 workers interleaved (past the worker index's first growth), two keys, then every worker's last
        // sequence again: each of those is a duplicate of its own worker and of no other.
        let state = Self.state()
        var ingest = TelemetryIngest(state: state)
        let other = ModelKey(model: "m-13b", hardware: "gpu")
        var messages: [[[UInt8]]] = []
        for sequence in 1...3 {
            for w in 0..<300 {
                messages.append([Topic.step, try Self.payload(
                    worker: "worker-\(w)", key: w % 2 == 0 ? Self.key : other, sequence: UInt64(sequence))])
            }
        }
        _ = Self.feed(&ingest, messages)
        _ = Self.feed(&ingest, try (0..<300).map { w in
            [Topic.step, try Self.payload(worker: "worker-\(w)", key: w % 2 == 0 ? Self.key : other, sequence: 3)]
        })
        let s = state.counters.withLock { $0 }
        #expect(s.telemetryAccepted == 900 && s.telemetryDrops == [.duplicate: 300])
        #expect(state.ownObservations(Self.key) == 450 && state.ownObservations(other) == 450)
    }

    @Test func workerIDsThatShareAPrefixOrALengthAreDistinct() throws {
        // The table compares bytes, not only hashes: ids equal up to the last byte, ids that differ only in length.
        let state = Self.state()
        var ingest = TelemetryIngest(state: state)
        let ids = ["w", "w1", "w2", "w11", String(repeating: "x", count: 16), String(repeating: "x", count: 17)]
        _ = Self.feed(&ingest, try ids.map { [Topic.step, try Self.payload(worker: $0, sequence: 1)] })
        let s = state.counters.withLock { $0 }
        #expect(s.telemetryAccepted == UInt64(ids.count) && s.telemetryDrops.isEmpty)
    }

    @Test func theTopicFrameMustBeExactlyStep() throws {
        let state = Self.state()
        var ingest = TelemetryIngest(state: state)
        _ = Self.feed(&ingest, [
            [Array("stepx".utf8), try Self.payload(sequence: 1)],
            [Array("ste".utf8), try Self.payload(sequence: 2)],
            [Array("Step".utf8), try Self.payload(sequence: 3)],
            [[], try Self.payload(sequence: 4)],
            [Topic.step, try Self.payload(sequence: 5)],
        ])
        let s = state.counters.withLock { $0 }
        #expect(s.telemetryAccepted == 1 && s.telemetryDrops == [.unknownTopic: 4])
    }

    @Test func dropCounterSlotsFollowAllCases() {
        for (i, reason) in DropReason.allCases.enumerated() { #expect(reason.counterSlot == i) }
    }
}
