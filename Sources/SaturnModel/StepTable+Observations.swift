extension StepTable {
    /// A table of `observations`, in their order.
    public init(observations: some Collection<StepObservation>) {
        self.init()
        for o in observations { append(batchSize: o.batchSize, tokens: o.tokens, latency: o.latencyMs) }
    }
}
