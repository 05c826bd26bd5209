/// An optional column of a ``StepTable`` beside `B`, `S` and `T_ms`, as named in a step CSV header.
///
/// Counts are tokens or requests per step (≥ 0); ``stepType`` is coded by ``StepKind``.
public enum StepColumn: String, CaseIterable, Sendable, Hashable, Codable {
    /// KV-context tokens read by attention in the step (`K`), CSV `kv_tokens`.
    case kvTokens = "kv_tokens"
    /// New prompt tokens computed in the step, CSV `prefill_tokens`.
    case prefillTokens = "prefill_tokens"
    /// Decode tokens computed in the step, CSV `decode_tokens`.
    case decodeTokens = "decode_tokens"
    /// Requests with a prefill chunk in the step, CSV `n_prefill_reqs`.
    case prefillRequests = "n_prefill_reqs"
    /// Requests decoding in the step, CSV `n_decode_reqs`.
    case decodeRequests = "n_decode_reqs"
    /// Tokens of each request's prefill chunk (all chunks of a step equal), CSV `prefill_chunk`.
    case prefillChunk = "prefill_chunk"
    /// The kind of step, CSV `step_type` (`prefill`, `decode`, `mixed`), stored as ``StepKind/rawValue``.
    case stepType = "step_type"
    /// `Q` itself, the sum over the step's prefill chunks of chunk² (tokens²), CSV `prefill_attention_tokens`: what
    /// an engine that knows its chunks reports (telemetry field `prefill_attention_tokens`).
    case prefillAttention = "prefill_attention_tokens"
}

/// The kind of a step (CSV column `step_type`).
public enum StepKind: Double, Sendable, CaseIterable {
    /// Any other text.
    case other = 0
    /// Only prompt tokens.
    case prefill = 1
    /// Only decode tokens.
    case decode = 2
    /// Both.
    case mixed = 3

    /// The CSV text of the kind (`other` for ``other``).
    public var name: String {
        switch self {
        case .other: "other"
        case .prefill: "prefill"
        case .decode: "decode"
        case .mixed: "mixed"
        }
    }
}
