import SaturnModel

/// A 9-parameter member of the family, for tests only: the saturation model plus an interaction term
/// `τ_BS · B · S` (ms per request-token), stored in `SIMD16`. It stands in for the KV-context-aware member that
/// follows later: the adaptation code must take it without a change.
struct ExtendedModel: AdaptiveLatencyModel {
    typealias Vector = SIMD16<Double>

    var core: LatencyParameters
    var tauBS: Double

    static var parameterCount: Int { 9 }
    static var parameterNames: [String] { LatencyParameters.parameterNames + ["tau_BS"] }
    static var transforms: [ParameterTransform] { LatencyParameters.transforms + [.linear] }
    static var physicalBounds: VectorBounds<SIMD16<Double>> {
        let b = LatencyParameters.physicalBounds
        var lower = SIMD16<Double>(lowHalf: b.lower, highHalf: SIMD8())
        var upper = SIMD16<Double>(lowHalf: b.upper, highHalf: SIMD8())
        lower[8] = 0
        upper[8] = .infinity
        return VectorBounds(lower: lower, upper: upper)
    }

    init(core: LatencyParameters, tauBS: Double) {
        self.core = core
        self.tauBS = tauBS
    }

    init(packed v: SIMD16<Double>) {
        core = LatencyParameters(packed: v.lowHalf)
        tauBS = v[8]
    }

    var packed: SIMD16<Double> {
        var v = SIMD16<Double>(lowHalf: core.packed, highHalf: SIMD8())
        v[8] = tauBS
        return v
    }

    func latencyAndGradient(at step: StepObservation) -> (latency: Double, gradient: SIMD16<Double>) {
        let (t, g) = core.latencyAndGradient(at: step)
        var gradient = SIMD16<Double>(lowHalf: g, highHalf: SIMD8())
        gradient[8] = step.batchSize * step.tokens
        return (t + tauBS * step.batchSize * step.tokens, gradient)
    }

    func equivalent(pinnedTo reference: ExtendedModel) -> ExtendedModel {
        ExtendedModel(core: core.equivalent(pinnedTo: reference.core), tauBS: Swift.max(0, tauBS))
    }
}
