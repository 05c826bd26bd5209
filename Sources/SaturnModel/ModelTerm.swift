/// A linear term a richer ``ModelFamily`` adds to the base latency model: `τ · X` with a coefficient `τ ≥ 0`
/// (ms per unit of `X`) and a per-step quantity `X` read from a ``StepTable``.
///
/// A new term is one new case here and its column rule on ``StepTable``; the fit, the predictor and the
/// cross-validation take any list of terms.
public enum ModelTerm: String, CaseIterable, Sendable, Hashable, Codable {
    /// `τ_K · K`, `K` = KV-context tokens read by attention in the step (``StepTable/kvContextTokens``).
    case kvContext = "tau_K"
    /// `τ_Q · Q`, `Q` = sum over the step's prefill chunks of chunk² (``StepTable/prefillAttentionTokens``).
    case prefillAttention = "tau_Q"

    /// The coefficient's name (`tau_K`, `tau_Q`).
    public var parameterName: String { rawValue }

    /// `X` for every row of `table`; 0 (the term's documented default) where the table lacks the column.
    public func values(in table: StepTable) -> [Double] {
        switch self {
        case .kvContext: table.kvContextTokens
        case .prefillAttention: table.prefillAttentionTokens
        }
    }
}
