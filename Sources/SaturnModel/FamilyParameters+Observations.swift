extension FamilyParameters {
    /// `τ_K K + τ_Q Q` at `step`: the latency the family's terms add to the base model (0 for ``ModelFamily/base``).
    @inlinable
    public func termsMs(at step: StepObservation) -> Double {
        tauK * step.kvTokens + tauQ * step.prefillAttentionTokens
    }

    /// `T` at `step` (its ``StepObservation/fixedMs`` is not read: this set's own terms take its place).
    @inlinable
    public func latency(at step: StepObservation) -> Double {
        base.latency(batchSize: step.batchSize, tokens: step.tokens) + termsMs(at: step)
    }

    /// `rows` with ``StepObservation/fixedMs`` set to this set's terms, so that its ``base`` parameters, adapted as
    /// an ``AdaptiveLatencyModel``, predict what the whole set predicts.
    public func holdingTerms(_ rows: [StepObservation]) -> [StepObservation] {
        rows.map {
            var r = $0
            r.fixedMs = termsMs(at: r)
            return r
        }
    }

    /// The same set with other base parameters (the coefficients kept).
    public func replacingBase(_ base: LatencyParameters) -> FamilyParameters {
        var p = self
        p.base = base
        return p
    }
}
