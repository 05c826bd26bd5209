import SaturnModel
import SaturnNumerics
import SaturnWire
import SwiftProtobuf
import Testing

/// Validation of parsed telemetry (`TelemetryDecoder`, `StepTelemetryParser.validate`): drop reasons.
struct TelemetryDecoderTests {
    @Test func validTelemetryDecodes() throws {
        let bytes = try StepTelemetryParserTests.valid { $0.kvContextTokens = 1000; $0.sequence = 3 }
        let step = try TelemetryDecoder.decode(bytes).get()
        #expect(step.batchSize == 4 && step.tokens == 64 && step.latencyMs == 20 && step.kvContextTokens == 1000)
        #expect(step.key == ModelKey(model: "m", hardware: "h") && step.sequence == 3 && step.workerID == "w")
        #expect(step.prefillAttentionTokens == nil)
        let withQ = try StepTelemetryParserTests.valid { $0.prefillAttentionTokens = 64 * 64 }
        #expect(try TelemetryDecoder.decode(withQ).get().prefillAttentionTokens == 4096)
    }

    @Test(arguments: [
        ("version", DropReason.unsupportedVersion), ("model", .missingField), ("nan", .nonFinite),
        ("batch0", .nonPositive), ("negative", .nonPositive), ("huge", .absurd), ("split", .absurd),
        ("requests", .absurd), ("long", .absurd), ("kv", .absurd), ("q", .absurd),
    ])
    func invalidTelemetryIsClassified(field: String, reason: DropReason) throws {
        let b = try StepTelemetryParserTests.valid { m in
            switch field {
            case "version": m.protocolVersion = 2
            case "model": m.model = ""
            case "nan": m.latencyMs = .nan
            case "batch0": m.batchSize = 0
            case "negative": m.latencyMs = -1
            case "huge": m.latencyMs = 1e9
            case "split": m.prefillTokens = 60; m.decodeTokens = 10
            case "long": m.hardware = String(repeating: "h", count: WireLimits.maximumStringBytes + 1)
            case "kv": m.kvContextTokens = 1_000_000_000_001
            case "q": m.prefillAttentionTokens = 64 * 64 + 1  // more than S² for S = 64
            default: m.prefillRequests = 3; m.decodeRequests = 2
            }
        }
        #expect(throws: reason) { try TelemetryDecoder.decode(b).get() }
    }

    @Test func garbageAndInvalidUTF8AreMalformed() throws {
        #expect(throws: DropReason.malformed) { try TelemetryDecoder.decode([0xff, 0xff, 0xff]).get() }
        // Invalid UTF-8 is a parse error (as in SwiftProtobuf), whatever else is wrong with the message.
        let badWorker =
            try StepTelemetryParserTests.valid { $0.protocolVersion = 2 } + WireBytes.bytesField(2, [0xC0, 0x80])
        #expect(throws: DropReason.malformed) { try TelemetryDecoder.decode(badWorker).get() }
    }

    /// Random bytes never crash the decoder, and each outcome is one of the drop reasons validation can give.
    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 99)
        var outcomes: [String: Int] = [:]
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 80)
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            switch TelemetryDecoder.decode(bytes) {
            case .success: outcomes["accepted", default: 0] += 1
            case .failure(let reason): outcomes[reason.rawValue, default: 0] += 1
            }
        }
        #expect(outcomes.values.reduce(0, +) == 20_000)
        #expect(outcomes["malformed", default: 0] > 0 && outcomes["unsupported_version", default: 0] > 0, "\(outcomes)")
    }
}
