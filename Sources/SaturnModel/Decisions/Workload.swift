/// What a replica is asked to serve: request lengths, summarised by the moments and the quantile that capacity
/// planning needs (``SteadyState``, ``CapacityPlan``, ``StaticBudget``).
public struct Workload: Sendable, Hashable {
    /// Mean prompt (input) tokens per request, `E[P]` (> 0).
    public var meanPromptTokens: Double
    /// Second moment of prompt tokens `E[P²]` (≥ `E[P]²`): the queueing delay of prefill grows with it.
    public var promptTokensSecondMoment: Double
    /// The prompt length at ``quantile`` (`P_q`, tokens): the TTFT target is checked for a prompt this long.
    public var promptTokensAtQuantile: Double
    /// The quantile `q ∈ (0, 1)` the TTFT target applies to (for example 0.99).
    public var quantile: Double
    /// Mean output tokens per request, `E[O]` (≥ 1): each is one decode step of the request.
    public var meanOutputTokens: Double

    /// A workload from its summary statistics.
    /// - Parameters:
    ///   - meanPromptTokens: `E[P]` (> 0).
    ///   - promptTokensStandardDeviation: The standard deviation of prompt tokens (≥ 0); `E[P²] = E[P]² + sd²`.
    ///   - promptTokensAtQuantile: `P_q` (≥ 1).
    ///   - quantile: `q` (default 0.99).
    ///   - meanOutputTokens: `E[O]` (≥ 1).
    public init(
        meanPromptTokens: Double, promptTokensStandardDeviation: Double, promptTokensAtQuantile: Double,
        quantile: Double = 0.99, meanOutputTokens: Double
    ) {
        self.meanPromptTokens = meanPromptTokens
        promptTokensSecondMoment =
            meanPromptTokens * meanPromptTokens + promptTokensStandardDeviation * promptTokensStandardDeviation
        self.promptTokensAtQuantile = promptTokensAtQuantile
        self.quantile = quantile
        self.meanOutputTokens = meanOutputTokens
    }

    /// A workload from samples of prompt and output lengths (for example a request trace); `P_q` is the
    /// `quantile` of the prompts with linear interpolation (NumPy's default).
    /// - Returns: nil when either list is empty or holds a value that is not finite and positive.
    public init?(promptTokens: [Double], outputTokens: [Double], quantile: Double = 0.99) {
        guard !promptTokens.isEmpty, !outputTokens.isEmpty, quantile > 0, quantile < 1,
            promptTokens.allSatisfy({ $0.isFinite && $0 > 0 }), outputTokens.allSatisfy({ $0.isFinite && $0 > 0 })
        else { return nil }
        var sum = 0.0
        var squares = 0.0
        for p in promptTokens {
            sum += p
            squares += p * p
        }
        let n = Double(promptTokens.count)
        meanPromptTokens = sum / n
        promptTokensSecondMoment = squares / n
        let sorted = promptTokens.sorted()
        let h = Double(sorted.count - 1) * quantile
        let lo = Int(h.rounded(.down))
        promptTokensAtQuantile =
            lo >= sorted.count - 1 ? sorted[sorted.count - 1] : sorted[lo] + (h - Double(lo)) * (sorted[lo + 1] - sorted[lo])
        self.quantile = quantile
        var outputs = 0.0
        for o in outputTokens { outputs += o }
        meanOutputTokens = max(1, outputs / Double(outputTokens.count))
    }

    /// Tokens a request puts through the engine over its life, `E[P] + E[O]`.
    public var tokensPerRequest: Double { meanPromptTokens + meanOutputTokens }

    /// The fraction of step tokens that are decode tokens in steady state, `r = E[O] / (E[P] + E[O])`.
    public var decodeFraction: Double { meanOutputTokens / tokensPerRequest }

    /// True when every field is finite and in its domain.
    public var isValid: Bool {
        meanPromptTokens.isFinite && meanPromptTokens > 0 && promptTokensSecondMoment.isFinite
            && promptTokensSecondMoment >= meanPromptTokens * meanPromptTokens * (1 - 1e-12)
            && promptTokensAtQuantile.isFinite && promptTokensAtQuantile >= 1 && quantile > 0 && quantile < 1
            && meanOutputTokens.isFinite && meanOutputTokens >= 1
    }
}
