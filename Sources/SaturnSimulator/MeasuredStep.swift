/// One measured row of a step table, classified by what the step computed.
///
/// Read from the columns of `data/steps_*.csv` (see `data/PROVENANCE.md`): `step_type` (`prefill`, `decode`,
/// `mixed`), `B`, `S`, `T_ms`; for prefill rows `n_prefill_reqs` (default B); for decode rows the per-request
/// context `decode_ctx` (Vidur) or `decode_ctx_mean` (Splitwise); `prefill_chunk`, `prefill_prior_ctx`,
/// `n_decode_reqs` for mixed rows.
public struct MeasuredStep: Sendable, Equatable {
    /// What the step computed.
    public enum Kind: String, Sendable, Equatable {
        /// Fresh prompts only.
        case prefill
        /// One token for each of `B` requests.
        case decode
        /// A prefill chunk next to decoding requests (only Vidur's composed table has them).
        case mixed
    }

    public var kind: Kind
    /// Requests being prefilled (prompts or chunks).
    public var prefillRequests: Int
    /// Prompt tokens computed in the step.
    public var prefillTokens: Int
    /// Context already in the KV cache of each prefill chunk (0 for fresh prompts).
    public var prefillPriorContext: Int
    /// Decoding requests.
    public var decodeRequests: Int
    /// Mean context (KV tokens) per decoding request.
    public var decodeContext: Double
    /// The measured step latency in ms.
    public var latencyMs: Double
    /// The 1-based line of the row in its file.
    public var line: Int

    public init(kind: Kind, prefillRequests: Int, prefillTokens: Int, prefillPriorContext: Int, decodeRequests: Int,
                decodeContext: Double, latencyMs: Double, line: Int) {
        self.kind = kind
        self.prefillRequests = prefillRequests
        self.prefillTokens = prefillTokens
        self.prefillPriorContext = prefillPriorContext
        self.decodeRequests = decodeRequests
        self.decodeContext = decodeContext
        self.latencyMs = latencyMs
        self.line = line
    }
}
