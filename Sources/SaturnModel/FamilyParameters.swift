/// Fitted parameters of one ``ModelFamily`` member: the base model's eight and one coefficient per term.
///
///     T = T_base(B, S) + τ_K K + τ_Q Q        ms
///
/// with `τ_K` in ms per KV-context token and `τ_Q` in ms per token² of prefill chunk. A coefficient the family
/// lacks is 0. Offline, a table without the `K` or `Q` columns gives 0 for them (``ModelTerm/values(in:)``); the
/// agent gives a question without them the set's ``TermDefaults`` instead.
///
/// ```swift
/// let p = FamilyParameters(family: .kv, base: base, coefficients: [.kvContext: 2.9e-4])
/// let ms = p.latency(batchSize: 32, tokens: 32, kvTokens: 32 * 1024, prefillAttentionTokens: 0)
/// ```
public struct FamilyParameters: Sendable, Hashable {
    /// The member these parameters belong to.
    public var family: ModelFamily
    /// The eight base parameters.
    public var base: LatencyParameters
    /// `τ_K` (ms/token), ≥ 0; 0 unless the family has ``ModelTerm/kvContext``.
    public var tauK: Double
    /// `τ_Q` (ms/token²), ≥ 0; 0 unless the family has ``ModelTerm/prefillAttention``.
    public var tauQ: Double

    /// Creates parameters; terms missing from `coefficients` are 0.
    /// - Precondition: `coefficients` names only terms of `family`.
    public init(family: ModelFamily, base: LatencyParameters, coefficients: [ModelTerm: Double] = [:]) {
        precondition(coefficients.keys.allSatisfy { family.terms.contains($0) }, "a coefficient outside the family")
        self.family = family
        self.base = base
        tauK = coefficients[.kvContext] ?? 0
        tauQ = coefficients[.prefillAttention] ?? 0
    }

    /// The coefficient of `term` (0 when the family lacks it).
    public subscript(term: ModelTerm) -> Double {
        switch term {
        case .kvContext: tauK
        case .prefillAttention: tauQ
        }
    }

    /// The coefficients of the family's terms, in ``ModelFamily/terms`` order.
    public var coefficients: [Double] { family.terms.map { self[$0] } }

    /// `T` in ms for a step with `K` KV-context tokens and `Q` prefill-attention tokens².
    @inlinable
    public func latency(batchSize b: Double, tokens s: Double, kvTokens k: Double, prefillAttentionTokens q: Double)
        -> Double
    {
        base.latency(batchSize: b, tokens: s) + tauK * k + tauQ * q
    }

    /// `∂T/∂θ` in the order `[P_max, k_B, k_S, w_0, w_1, tau_0, tau_B, tau_S]` followed by one entry per term of
    /// the family (`∂T/∂τ_K = K`, `∂T/∂τ_Q = Q`).
    public func gradient(batchSize b: Double, tokens s: Double, kvTokens k: Double, prefillAttentionTokens q: Double)
        -> [Double]
    {
        let g = base.gradient(batchSize: b, tokens: s)
        var out = (0..<8).map { g[$0] }
        for term in family.terms { out.append(term == .kvContext ? k : q) }
        return out
    }

    /// Largest physical coefficient of any term: 1 ms per unit (a KV-context token read in 1 ms, or 1 ms per token²
    /// of prefill chunk, is a thousand times slower than any GPU); a set beyond it is refused like one outside the
    /// base bounds.
    public static let maximumCoefficient = 1.0

    /// True when the base parameters are within `bounds`, every coefficient is finite and in
    /// `[0, maximumCoefficient]`, and the terms the family lacks have coefficient 0.
    public func isWithin(_ bounds: ParameterBounds) -> Bool {
        guard base.isWithin(bounds) else { return false }
        for term in ModelTerm.allCases {
            let c = self[term]
            guard c.isFinite, c >= 0, c <= Self.maximumCoefficient, family.terms.contains(term) || c == 0 else {
                return false
            }
        }
        return true
    }
}

extension FamilyParameters: LatencyPredictor {
    /// `T` with `K = Q = 0`.
    public func predictedLatency(batchSize: Double, tokens: Double) -> Double {
        base.latency(batchSize: batchSize, tokens: tokens)
    }

    /// Predictions for every row of `table`, with `K` and `Q` from its columns (0 where absent).
    public func predictions(for table: StepTable) -> [Double] {
        let k = tauK != 0 ? table.kvContextTokens : []
        let q = tauQ != 0 ? table.prefillAttentionTokens : []
        return (0..<table.count).map { i in
            latency(
                batchSize: table.batchSizes[i], tokens: table.tokens[i], kvTokens: k.isEmpty ? 0 : k[i],
                prefillAttentionTokens: q.isEmpty ? 0 : q[i])
        }
    }
}

extension FamilyParameters: CustomStringConvertible {
    public var description: String {
        ([base.description] + family.terms.map { "\($0.parameterName)=\(self[$0])" }).joined(separator: " ")
    }
}
