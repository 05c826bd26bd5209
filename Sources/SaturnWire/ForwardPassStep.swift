/// What one Forward Pass Metrics message says about the engine step it describes, mapped to the model's terms:
///
/// - B = `num_prefill_requests` + `num_decode_requests`
/// - S = `sum_prefill_tokens` + `num_decode_requests` (one token per decode request, no speculative decoding)
/// - KV context = `sum_prefill_kv_tokens` + `sum_decode_kv_tokens`
/// - prefill attention Q = Σ chunk² = `num_prefill_requests` × (`var_prefill_length` + mean²), mean =
///   `sum_prefill_tokens` / `num_prefill_requests` (a variance that is not finite or negative counts as 0, and Q is
///   kept within `[P²/n, P²]`, the range any n chunks of P tokens in all can have)
/// - latency = 1000 × `wall_time` ms
///
/// An idle heartbeat (every scheduled count zero, `wall_time` 0.0) is liveness and maps to ``heartbeat``, never to
/// a step. Built by ``TelemetryDecoder/decodeForwardPass(_:)``, which has validated the values.
public enum ForwardPassStep: Sendable, Equatable {
    /// A step, with the prefill/decode split it came with.
    case step(Split)
    /// An idle heartbeat.
    case heartbeat

    /// One step's figures.
    public struct Split: Sendable, Equatable {
        /// B: requests in the step.
        public var batchSize: UInt32
        /// S: tokens computed in the step.
        public var tokens: UInt64
        /// T: the step's wall time in ms.
        public var latencyMs: Double
        /// Prefill tokens computed (`sum_prefill_tokens`).
        public var prefillTokens: UInt64
        /// Decode tokens computed (`num_decode_requests`).
        public var decodeTokens: UInt64
        public var prefillRequests: UInt32
        public var decodeRequests: UInt32
        /// KV tokens read: `sum_prefill_kv_tokens` + `sum_decode_kv_tokens`.
        public var kvContextTokens: UInt64
        /// Q, the sum over the prefill chunks of chunk² (tokens²).
        public var prefillAttentionTokens: Double

        public init(batchSize: UInt32, tokens: UInt64, latencyMs: Double, prefillTokens: UInt64, decodeTokens: UInt64,
                    prefillRequests: UInt32, decodeRequests: UInt32, kvContextTokens: UInt64,
                    prefillAttentionTokens: Double = 0) {
            self.batchSize = batchSize
            self.tokens = tokens
            self.latencyMs = latencyMs
            self.prefillTokens = prefillTokens
            self.decodeTokens = decodeTokens
            self.prefillRequests = prefillRequests
            self.decodeRequests = decodeRequests
            self.kvContextTokens = kvContextTokens
            self.prefillAttentionTokens = prefillAttentionTokens
        }
    }

    /// Largest KV context of one step (tokens) before it is absurd: ``WireLimits/maximumKVContextTokens``.
    static let maximumKVContextTokens = Int64(WireLimits.maximumKVContextTokens)

    /// Maps a decoded message to a step or a heartbeat.
    /// - Returns: a ``DropReason`` when the message has no `wall_time` or `scheduled_requests` (`missingField`),
    ///   a non-finite `wall_time` (`nonFinite`), a negative count or an empty or zero-time step that is not a
    ///   heartbeat (`nonPositive`), or values above ``WireLimits`` (`absurd`).
    public static func mapping(_ m: ForwardPassMetrics) -> Result<ForwardPassStep, DropReason> {
        guard let wallTime = m.wallTime, let s = m.scheduled else { return .failure(.missingField) }
        // The variances are not used: a NaN there (a variance of no requests) does not spoil the step.
        guard wallTime.isFinite else { return .failure(.nonFinite) }
        guard s.numPrefillRequests >= 0, s.sumPrefillTokens >= 0, s.sumPrefillKVTokens >= 0,
            s.numDecodeRequests >= 0, s.sumDecodeKVTokens >= 0
        else { return .failure(.nonPositive) }
        if wallTime == 0 && s.numPrefillRequests == 0 && s.sumPrefillTokens == 0 && s.sumPrefillKVTokens == 0
            && s.numDecodeRequests == 0 && s.sumDecodeKVTokens == 0
        {
            return .success(.heartbeat)
        }
        let limit = Int64(WireLimits.maximumTokens)
        guard s.numPrefillRequests <= limit, s.numDecodeRequests <= limit, s.sumPrefillTokens <= limit,
            s.sumPrefillKVTokens <= maximumKVContextTokens, s.sumDecodeKVTokens <= maximumKVContextTokens
        else { return .failure(.absurd) }
        // No overflow below: every term is at most 1e12.
        let batchSize = s.numPrefillRequests + s.numDecodeRequests
        let tokens = s.sumPrefillTokens + s.numDecodeRequests
        let kv = s.sumPrefillKVTokens + s.sumDecodeKVTokens
        let latencyMs = 1000 * wallTime
        guard batchSize > 0, tokens > 0, latencyMs > 0 else { return .failure(.nonPositive) }
        var q = 0.0
        if s.numPrefillRequests > 0 {
            let n = Double(s.numPrefillRequests)
            let p = Double(s.sumPrefillTokens)
            let variance = s.varPrefillLength.isFinite ? Swift.max(0, s.varPrefillLength) : 0
            q = Swift.min(Swift.max(n * (variance + (p / n) * (p / n)), p * p / n), p * p)
        }
        guard Double(batchSize) <= WireLimits.maximumBatchSize, Double(tokens) <= WireLimits.maximumTokens,
            latencyMs <= WireLimits.maximumLatencyMs, kv <= maximumKVContextTokens
        else { return .failure(.absurd) }
        return .success(
            .step(
                Split(
                    batchSize: UInt32(batchSize), tokens: UInt64(tokens), latencyMs: latencyMs,
                    prefillTokens: UInt64(s.sumPrefillTokens), decodeTokens: UInt64(s.numDecodeRequests),
                    prefillRequests: UInt32(s.numPrefillRequests), decodeRequests: UInt32(s.numDecodeRequests),
                    kvContextTokens: UInt64(kv), prefillAttentionTokens: q)))
    }
}
