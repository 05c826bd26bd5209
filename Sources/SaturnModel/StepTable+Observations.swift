extension StepTable {
    /// A table of `observations`, in their order, with a ``StepColumn/kvTokens`` column when any observation has
    /// `K > 0` and a ``StepColumn/prefillAttention`` column when any has `Q > 0`.
    public init(observations: some Collection<StepObservation>) {
        var extras: [StepColumn: [Double]] = [:]
        if observations.contains(where: { $0.kvTokens > 0 }) { extras[.kvTokens] = observations.map(\.kvTokens) }
        if observations.contains(where: { $0.prefillAttentionTokens > 0 }) {
            extras[.prefillAttention] = observations.map(\.prefillAttentionTokens)
        }
        self.init(
            batchSizes: observations.map(\.batchSize), tokens: observations.map(\.tokens),
            latencies: observations.map(\.latencyMs), extraColumns: extras)
    }
}
