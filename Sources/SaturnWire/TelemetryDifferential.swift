import SaturnModel
import SwiftProtobuf

/// The hand-written telemetry parser against SwiftProtobuf on the same bytes: the oracle of the parser's unit tests
/// and of its fuzz harness (`ops/fuzz`).
///
/// Both must accept or both reject; when both accept, every field must be equal (doubles by bit pattern, strings as
/// decoded text, presence of the optional fields). ``TelemetryDecoder`` is checked on the way: it reports
/// `.malformed` exactly when the parse fails, and a step it returns carries the reference's values.
public enum TelemetryDifferential {
    /// What the comparison found.
    public struct Outcome: Sendable, Equatable {
        /// Whether both accepted (true), both rejected (false), or nil when they disagree on accepting.
        public var bothAccepted: Bool?
        /// Every difference found (empty when they agree in full).
        public var problems: [String]
    }

    /// Compares the two decoders on `bytes`.
    public static func compare(_ bytes: [UInt8]) -> Outcome {
        let mine = bytes.withUnsafeBytes { StepTelemetryParser.parse($0) }
        let theirs: Saturn_V1_StepTelemetry?
        var error = ""
        do {
            theirs = try Saturn_V1_StepTelemetry(serializedBytes: bytes)
        } catch let e {
            theirs = nil
            error = "\(e)"
        }
        var list: [String] = []
        let decoded = TelemetryDecoder.decode(bytes)
        switch (mine, theirs) {
        case (nil, nil):
            if decoded != .failure(.malformed) { list.append("TelemetryDecoder gave \(decoded), not malformed") }
            return Outcome(bothAccepted: false, problems: list)
        case (.some, nil):
            return Outcome(bothAccepted: nil, problems: ["parser accepts, SwiftProtobuf rejects (\(error))"])
        case (nil, .some):
            return Outcome(bothAccepted: nil, problems: ["parser rejects, SwiftProtobuf accepts"])
        case (let m?, let r?):
            bytes.withUnsafeBytes { p in
                func text(_ range: Range<Int>) -> String? { TelemetryDecoder.string(p, range) }
                if m.protocolVersion != r.protocolVersion { list.append("protocol_version") }
                if text(m.workerID) != r.workerID { list.append("worker_id") }
                if text(m.model) != r.model { list.append("model") }
                if text(m.hardware) != r.hardware { list.append("hardware") }
                if m.batchSize != r.batchSize { list.append("batch_size") }
                if m.tokens != r.tokens { list.append("tokens") }
                if m.latencyMs.bitPattern != r.latencyMs.bitPattern { list.append("latency_ms") }
                if m.timestampNs != r.timestampNs { list.append("timestamp_ns") }
                if m.sequence != r.sequence { list.append("sequence") }
                if m.prefillTokens != (r.hasPrefillTokens ? r.prefillTokens : nil) { list.append("prefill_tokens") }
                if m.decodeTokens != (r.hasDecodeTokens ? r.decodeTokens : nil) { list.append("decode_tokens") }
                if m.prefillRequests != (r.hasPrefillRequests ? r.prefillRequests : nil) {
                    list.append("prefill_requests")
                }
                if m.decodeRequests != (r.hasDecodeRequests ? r.decodeRequests : nil) { list.append("decode_requests") }
                if m.kvContextTokens != (r.hasKvContextTokens ? r.kvContextTokens : nil) {
                    list.append("kv_context_tokens")
                }
                if m.prefillAttentionTokens != (r.hasPrefillAttentionTokens ? r.prefillAttentionTokens : nil) {
                    list.append("prefill_attention_tokens")
                }
            }
            switch decoded {
            case .failure(.malformed):
                list.append("TelemetryDecoder says malformed though the bytes parse")
            case .failure:
                break  // validation, checked by TelemetryDecoderTests
            case .success(let s):
                let same =
                    s.workerID == r.workerID && s.key == ModelKey(model: r.model, hardware: r.hardware)
                    && s.batchSize == Double(r.batchSize) && s.tokens == Double(r.tokens)
                    && s.latencyMs.bitPattern == r.latencyMs.bitPattern && s.timestampNs == r.timestampNs
                    && s.sequence == r.sequence && s.kvContextTokens == (r.hasKvContextTokens ? r.kvContextTokens : nil)
                    && s.prefillAttentionTokens == (r.hasPrefillAttentionTokens ? r.prefillAttentionTokens : nil)
                if !same { list.append("TelemetryDecoder step \(s) differs from the reference") }
            }
            return Outcome(bothAccepted: true, problems: list)
        }
    }
}
