/// What a prediction assumes for a term's quantity when the question does not give it: `K = k̄ · B` and
/// `Q = q̄ · S`, with `k̄` the KV-context tokens per request and `q̄` the prefill attention per token of the key's
/// recent steps (ratios of sums over them).
///
/// With these defaults a richer set's prediction at `(B, S)` is that of a base set whose `τ_B` and `τ_S` absorb the
/// terms (``FamilyParameters/effectiveBase(_:)``): this is how the decisions (admission, allocation, SLA inverse,
/// capacity, plan), which ask about `(B, S)` only, use any family member, and what a predict request without `K` or
/// `Q` gets. Both are 0 when the steps carried no `K` or `Q` (the base model's prediction).
public struct TermDefaults: Sendable, Hashable, Codable {
    /// `k̄`: KV-context tokens per request (≥ 0).
    public var kvTokensPerRequest: Double
    /// `q̄`: prefill attention per computed token (tokens²/token, ≥ 0).
    public var prefillAttentionPerToken: Double

    /// Creates defaults; negative or non-finite values become 0.
    public init(kvTokensPerRequest: Double = 0, prefillAttentionPerToken: Double = 0) {
        self.kvTokensPerRequest = kvTokensPerRequest.isFinite ? Swift.max(0, kvTokensPerRequest) : 0
        self.prefillAttentionPerToken = prefillAttentionPerToken.isFinite ? Swift.max(0, prefillAttentionPerToken) : 0
    }

    /// `k̄ = ΣK / ΣB` and `q̄ = ΣQ / ΣS` over `steps`.
    public init(of steps: some Sequence<StepObservation>) {
        var b = 0.0
        var s = 0.0
        var k = 0.0
        var q = 0.0
        for step in steps {
            b += step.batchSize
            s += step.tokens
            k += step.kvTokens
            q += step.prefillAttentionTokens
        }
        self.init(kvTokensPerRequest: b > 0 ? k / b : 0, prefillAttentionPerToken: s > 0 ? q / s : 0)
    }

    /// The default of `term` at a step of `B` requests and `S` tokens.
    public func value(of term: ModelTerm, batchSize: Double, tokens: Double) -> Double {
        switch term {
        case .kvContext: kvTokensPerRequest * batchSize
        case .prefillAttention: prefillAttentionPerToken * tokens
        }
    }

    /// The values as a vector in ``ModelTerm/allCases`` order (the wire form).
    public var vector: [Double] { ModelTerm.allCases.map { value(of: $0, batchSize: 1, tokens: 1) } }

    /// From ``vector`` (missing entries 0).
    public init(vector: [Double]) {
        self.init(
            kvTokensPerRequest: vector.count > 0 ? vector[0] : 0, prefillAttentionPerToken: vector.count > 1 ? vector[1] : 0)
    }
}

extension FamilyParameters {
    /// The base set that predicts, at every `(B, S)`, what this set predicts with ``TermDefaults`` `defaults`:
    /// `τ_B + τ_K k̄` and `τ_S + τ_Q q̄` (the other parameters unchanged). Within the physical bounds whenever this
    /// set is (the additions are ≥ 0 and `τ_B`, `τ_S` have no upper bound).
    public func effectiveBase(_ defaults: TermDefaults) -> LatencyParameters {
        var p = base
        p.tauB += tauK * defaults.kvTokensPerRequest
        p.tauS += tauQ * defaults.prefillAttentionPerToken
        return p
    }

    /// `T` with `K` and `Q` where given and ``TermDefaults`` `defaults` where not.
    public func latency(
        batchSize b: Double, tokens s: Double, kvTokens k: Double?, prefillAttentionTokens q: Double?,
        defaults: TermDefaults
    ) -> Double {
        latency(
            batchSize: b, tokens: s, kvTokens: k ?? defaults.value(of: .kvContext, batchSize: b, tokens: s),
            prefillAttentionTokens: q ?? defaults.value(of: .prefillAttention, batchSize: b, tokens: s))
    }
}
