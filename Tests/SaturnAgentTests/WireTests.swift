import SaturnModel
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
        ("version", TelemetryDrop.unsupportedVersion), ("model", .missingField), ("nan", .nonFinite),
        ("batch0", .nonPositive), ("negative", .nonPositive), ("huge", .absurd), ("split", .absurd),
        ("requests", .absurd),
    ])
    func invalidTelemetryIsClassified(field: String, reason: TelemetryDrop) throws {
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
        #expect(throws: TelemetryDrop.malformed) { try TelemetryDecoder.decode([0xff, 0xff, 0xff]).get() }
    }

    @Test func envelopesFromREQAndDEALER() {
        #expect(splitEnvelope([[1], [], [9]])! == ([[1], []], [9]))
        #expect(splitEnvelope([[1], [9]])! == ([[1]], [9]))
        #expect(splitEnvelope([[1], [2], [], [9]])! == ([[1], [2], []], [9]))  // via a proxy
        #expect(splitEnvelope([[9]]) == nil)
        #expect(splitEnvelope([[1], [2], [3]]) == nil)
        #expect(splitEnvelope([[1], [], [2], [3]]) == nil)
    }

    @Test func parametersRoundTrip() {
        let p = LatencyParameters(pMax: 1, kB: 2, kS: 0.5, w0: 4, w1: 5, tau0: 6, tauB: 7, tauS: 8)
        #expect(LatencyParameters(p.proto) == p)
    }
}
