/// A member of the latency model family: the base 8-parameter model (``LatencyParameters``) plus zero or more
/// linear ``ModelTerm``s.
///
///     base:  T = T_base(B, S)
///     kv:    T = T_base(B, S) + τ_K K
///     kvq:   T = T_base(B, S) + τ_K K + τ_Q Q
///
/// ``base`` is the default everywhere. Members are ordered by richness (``allCases`` order); cross-validation
/// picks a richer member only when it wins out of sample (``FamilySelection``).
public enum ModelFamily: String, CaseIterable, Sendable, Hashable, Codable {
    /// The 8-parameter throughput-saturation model.
    case base
    /// Base plus `τ_K · K` (KV-context tokens).
    case kv
    /// Base plus `τ_K · K` and `τ_Q · Q` (prefill attention, sum of chunk²).
    case kvq

    /// The terms added to the base model, in coefficient order.
    public var terms: [ModelTerm] {
        switch self {
        case .base: []
        case .kv: [.kvContext]
        case .kvq: [.kvContext, .prefillAttention]
        }
    }

    /// Parameter count: 8 plus one per term.
    public var parameterCount: Int { LatencyParameters.Name.allCases.count + terms.count }
}
