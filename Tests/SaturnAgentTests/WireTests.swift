import SaturnModel
import SaturnNumerics
import SaturnWire
import SwiftProtobuf
import Testing

struct WireTests {
    func bytes(_ configure: (inout Saturn_V1_StepTelemetry) -> Void) throws -> [UInt8] {
        var m = Saturn_V1_StepTelemetry()
        m.protocolVersion = 1
        m.workerID = "w"
        m.model = "m"
        m.hardware = "h"
        m.batchSize = 4
        m.tokens = 64
        m.latencyMs = 20
        configure(&m)
        return try m.serializedBytes()
    }

    @Test func validTelemetryDecodes() throws {
        let step = try TelemetryDecoder.decode(bytes { $0.kvContextTokens = 1000; $0.sequence = 3 }).get()
        #expect(step.batchSize == 4 && step.tokens == 64 && step.latencyMs == 20 && step.kvContextTokens == 1000)
        #expect(step.key == ModelKey(model: "m", hardware: "h") && step.sequence == 3)
    }

    @Test(arguments: [
        ("version", DropReason.unsupportedVersion), ("model", .missingField), ("nan", .nonFinite),
        ("batch0", .nonPositive), ("negative", .nonPositive), ("huge", .absurd), ("split", .absurd),
        ("requests", .absurd),
    ])
    func invalidTelemetryIsClassified(field: String, reason: DropReason) throws {
        let b = try bytes { m in
            switch field {
            case "version": m.protocolVersion = 2
            case "model": m.model = ""
            case "nan": m.latencyMs = .nan
            case "batch0": m.batchSize = 0
            case "negative": m.latencyMs = -1
            case "huge": m.latencyMs = 1e9
            case "split": m.prefillTokens = 60; m.decodeTokens = 10
            default: m.prefillRequests = 3; m.decodeRequests = 2
            }
        }
        #expect(throws: reason) { try TelemetryDecoder.decode(b).get() }
    }

    @Test func garbageIsMalformed() {
        #expect(throws: DropReason.malformed) { try TelemetryDecoder.decode([0xff, 0xff, 0xff]).get() }
    }

    @Test func envelopesFromREQAndDEALER() {
        #expect(Envelope(frames: [[1], [], [9]]) == Envelope(routing: [[1], []], payload: [9]))
        #expect(Envelope(frames: [[1], [9]]) == Envelope(routing: [[1]], payload: [9]))
        #expect(Envelope(frames: [[1], [2], [], [9]]) == Envelope(routing: [[1], [2], []], payload: [9]))  // via a proxy
        #expect(Envelope(frames: [[9]]) == nil)
        #expect(Envelope(frames: [[1], [2], [3]]) == nil)
        #expect(Envelope(frames: [[1], [], [2], [3]]) == nil)
    }

    @Test func parametersRoundTrip() {
        let p = LatencyParameters(pMax: 1, kB: 2, kS: 0.5, w0: 4, w1: 5, tau0: 6, tauB: 7, tauS: 8)
        #expect(LatencyParameters(p.proto) == p)
    }
}

/// The hand-written telemetry parser (the ingest hot path) against SwiftProtobuf on the same bytes.
struct StepTelemetryParserTests {
    @Test func agreesWithSwiftProtobufOnRandomMessages() throws {
        var rng = SplitMix64(seed: 2024)
        for i in 0..<2000 {
            var m = Saturn_V1_StepTelemetry()
            m.protocolVersion = UInt32(rng.next() % 3)
            m.workerID = i % 7 == 0 ? "" : "worker-\(rng.next() % 1000)"
            m.model = i % 11 == 0 ? "" : "llama-\(rng.next() % 100)b-ü"
            m.hardware = "H100-\(rng.next() % 9)"
            m.batchSize = UInt32(truncatingIfNeeded: rng.next() % 3 == 0 ? rng.next() : rng.next() % 300)
            m.tokens = rng.next() % 2 == 0 ? rng.next() : rng.next() % 10_000
            m.latencyMs = [Double.nan, -1, 0, 1e300, Double(rng.next() % 100_000) / 7][Int(rng.next() % 5)]
            m.timestampNs = Int64(bitPattern: rng.next())
            m.sequence = rng.next()
            if rng.next() % 2 == 0 { m.prefillTokens = rng.next() % 5000 }
            if rng.next() % 2 == 0 { m.decodeTokens = rng.next() % 5000 }
            if rng.next() % 3 == 0 { m.prefillRequests = UInt32(rng.next() % 100) }
            if rng.next() % 3 == 0 { m.decodeRequests = UInt32(rng.next() % 100) }
            if rng.next() % 2 == 0 { m.kvContextTokens = rng.next() }
            let bytes: [UInt8] = try m.serializedBytes()
            let raw = try #require(bytes.withUnsafeBytes { StepTelemetryParser.parse($0) })
            let reference = try Saturn_V1_StepTelemetry(serializedBytes: bytes)
            #expect(raw.protocolVersion == reference.protocolVersion)
            #expect(raw.batchSize == reference.batchSize && raw.tokens == reference.tokens)
            #expect(raw.latencyMs.bitPattern == reference.latencyMs.bitPattern)
            #expect(raw.timestampNs == reference.timestampNs && raw.sequence == reference.sequence)
            #expect(raw.prefillTokens == (reference.hasPrefillTokens ? reference.prefillTokens : nil))
            #expect(raw.decodeTokens == (reference.hasDecodeTokens ? reference.decodeTokens : nil))
            #expect(raw.prefillRequests == (reference.hasPrefillRequests ? reference.prefillRequests : nil))
            #expect(raw.decodeRequests == (reference.hasDecodeRequests ? reference.decodeRequests : nil))
            #expect(raw.kvContextTokens == (reference.hasKvContextTokens ? reference.kvContextTokens : nil))
            bytes.withUnsafeBytes { p in
                #expect(TelemetryDecoder.string(p, raw.workerID) == reference.workerID)
                #expect(TelemetryDecoder.string(p, raw.model) == reference.model)
                #expect(TelemetryDecoder.string(p, raw.hardware) == reference.hardware)
            }
        }
    }

    @Test func unknownFieldsAreSkippedAndTruncationIsMalformed() throws {
        var m = Saturn_V1_StepTelemetry()
        m.protocolVersion = 1
        m.workerID = "w"
        m.latencyMs = 3
        var bytes: [UInt8] = try m.serializedBytes()
        // Unknown fields of every wire type: 100 varint, 101 fixed64, 102 bytes, 103 fixed32.
        bytes += [0xA0, 0x06, 0x96, 0x01, 0xA9, 0x06] + [UInt8](repeating: 1, count: 8)
        bytes += [0xB2, 0x06, 0x02, 0x41, 0x42, 0xBD, 0x06, 0, 0, 0, 0]
        let raw = try #require(bytes.withUnsafeBytes { StepTelemetryParser.parse($0) })
        #expect(raw.latencyMs == 3 && raw.protocolVersion == 1)
        for cut in 1..<bytes.count {
            let prefix = Array(bytes[..<cut])
            let mine = prefix.withUnsafeBytes { StepTelemetryParser.parse($0) }
            let theirs = try? Saturn_V1_StepTelemetry(serializedBytes: prefix)
            // Whenever SwiftProtobuf rejects a prefix, so does the parser (it may also reject a few more).
            if theirs == nil { #expect(mine == nil, "cut at \(cut)") }
        }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 80)
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = TelemetryDecoder.decode(bytes)
        }
    }
}
