extension StepTable {
    /// `K` per row: KV-context tokens read by attention in the step (column `kv_tokens`), 0 where absent.
    public var kvContextTokens: [Double] {
        self[.kvTokens] ?? [Double](repeating: 0, count: count)
    }

    /// `Q` per row: the sum over the step's prefill chunks of chunk², in tokens², 0 where it cannot be known.
    ///
    /// The rule, by the columns present:
    /// - `prefill_attention_tokens`: `Q` as given (a stream's telemetry, or a table that records it).
    /// - `prefill_chunk` (Vidur tables: every prefill request of the step has a chunk of that length):
    ///   `Q = n_prefill_reqs · prefill_chunk²` (one request when `n_prefill_reqs` is absent and the chunk is > 0).
    /// - else `step_type` (Splitwise tables): a `prefill` row is `B` prompts of `P/B` tokens each, with `P` the
    ///   `prefill_tokens` (else `S`), so `Q = P²/B`; a `mixed` row is taken as one chunk, `Q = P²`; `decode` and
    ///   other rows have `Q = 0`.
    /// - else 0.
    public var prefillAttentionTokens: [Double] {
        if let given = self[.prefillAttention] { return given }
        var q = [Double](repeating: 0, count: count)
        if let chunk = self[.prefillChunk] {
            let requests = self[.prefillRequests]
            for i in 0..<count {
                let c = chunk[i]
                let r = requests?[i] ?? (c > 0 ? 1 : 0)
                q[i] = r * c * c
            }
        } else if let kinds = self[.stepType] {
            let prefill = self[.prefillTokens] ?? tokens
            for i in 0..<count {
                let p = prefill[i]
                switch StepKind(rawValue: kinds[i]) {
                case .prefill: q[i] = batchSizes[i] > 0 ? p * p / batchSizes[i] : 0
                case .mixed: q[i] = p * p
                default: q[i] = 0
                }
            }
        }
        return q
    }
}
