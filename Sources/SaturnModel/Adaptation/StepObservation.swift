/// One observed model step, the input and target of online adaptation: `B` requests, `S` tokens, latency `T` in ms,
/// and the step features richer members of the model family read (``ModelFamily``): `K` KV-context tokens and `Q`
/// prefill attention (sum over the step's prefill chunks of chunk²), 0 when the engine does not report them.
///
/// ``fixedMs`` carries the part of the prediction a model adapted through ``AdaptiveLatencyModel`` holds fixed: the
/// agent's updater steps the eight base parameters of an installed ``FamilyParameters`` set and keeps its term
/// coefficients, so each row carries `τ_K K + τ_Q Q` of that set, which ``LatencyParameters`` adds to its `T`
/// (0 for the base model: nothing changes). The refit fits every coefficient (``Refit``).
///
/// Windows of observations are passed as arrays in time order: index 0 is the oldest, the last index the most
/// recent.
public struct StepObservation: Sendable, Hashable {
    /// `B`, requests in the step (≥ 1 for real steps).
    public var batchSize: Double
    /// `S`, tokens computed in the step summed over requests (≥ 1 for real steps).
    public var tokens: Double
    /// `T`, the measured step latency in milliseconds (> 0).
    public var latencyMs: Double
    /// `K`, KV-context tokens read by attention in the step (0: not reported).
    public var kvTokens: Double
    /// `Q`, the sum over the step's prefill chunks of chunk², in tokens² (0: not reported or no prefill).
    public var prefillAttentionTokens: Double
    /// Latency (ms) of terms held fixed while the base parameters adapt, added to their prediction (see above).
    public var fixedMs: Double

    /// Creates an observation.
    @inlinable
    public init(
        batchSize: Double, tokens: Double, latencyMs: Double, kvTokens: Double = 0, prefillAttentionTokens: Double = 0,
        fixedMs: Double = 0
    ) {
        self.batchSize = batchSize
        self.tokens = tokens
        self.latencyMs = latencyMs
        self.kvTokens = kvTokens
        self.prefillAttentionTokens = prefillAttentionTokens
        self.fixedMs = fixedMs
    }
}

extension StepTable {
    /// The rows as observations, oldest first, with `K` and `Q` from ``kvContextTokens`` and
    /// ``prefillAttentionTokens`` (0 where the table cannot tell).
    public var observations: [StepObservation] {
        let k = self[.kvTokens] != nil ? kvContextTokens : []
        let q = prefillAttentionTokens
        var out = [StepObservation]()
        out.reserveCapacity(count)
        for i in 0..<count {
            out.append(
                StepObservation(
                    batchSize: batchSizes[i], tokens: tokens[i], latencyMs: latencies[i], kvTokens: k.isEmpty ? 0 : k[i],
                    prefillAttentionTokens: q[i]))
        }
        return out
    }
}
