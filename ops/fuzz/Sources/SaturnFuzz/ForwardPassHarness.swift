import SaturnWire

/// Forward Pass Metrics payloads (MessagePack): decoded, validated and mapped, or dropped with a reason. A step that
/// comes out is one the model may take: B and S at least 1, a finite positive latency, S = prefill + decode tokens.
enum ForwardPassHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard case .success(let decoded) = TelemetryDecoder.decodeForwardPass(input),
            case .step(let s) = decoded.step
        else { return }
        guard s.batchSize >= 1, s.tokens >= 1, s.latencyMs.isFinite, s.latencyMs > 0,
            s.tokens == s.prefillTokens + s.decodeTokens
        else { fatalError("an accepted FPM message maps to an impossible step: \(s)") }
    }
}
