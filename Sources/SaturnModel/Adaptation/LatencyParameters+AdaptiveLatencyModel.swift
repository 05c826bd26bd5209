import RealModule

/// The 8-parameter saturation model as a member of the adaptive family.
///
/// - ``AdaptiveLatencyModel/transforms``: `P_max` ``ParameterTransform/fixed`` (not identifiable, Findings 1),
///   `k_B`, `k_S` ``ParameterTransform/logarithmic``, `w₀`, `w₁`, `τ₀`, `τ_B`, `τ_S` ``ParameterTransform/linear``.
/// - ``AdaptiveLatencyModel/physicalBounds``: ``ParameterBounds/physical`` (the golden file's `full` projection).
/// - ``equivalent(pinnedTo:)``: `(P_max, w₀, w₁) → (P_ref, w₀ P_ref/P_max, w₁ P_ref/P_max)`, the one direction in
///   which T does not change.
extension LatencyParameters: AdaptiveLatencyModel {
    public typealias Vector = SIMD8<Double>

    public static var parameterCount: Int { 8 }

    public static var parameterNames: [String] { Name.allCases.map(\.rawValue) }

    public static var transforms: [ParameterTransform] {
        [.fixed, .logarithmic, .logarithmic, .linear, .linear, .linear, .linear, .linear]
    }

    public static var physicalBounds: VectorBounds<SIMD8<Double>> { VectorBounds(ParameterBounds.physical) }

    @inlinable
    public init(packed v: SIMD8<Double>) {
        self.init(pMax: v[0], kB: v[1], kS: v[2], w0: v[3], w1: v[4], tau0: v[5], tauB: v[6], tauS: v[7])
    }

    @inlinable
    public var packed: SIMD8<Double> { SIMD8(pMax, kB, kS, w0, w1, tau0, tauB, tauS) }

    /// `T` plus the step's ``StepObservation/fixedMs`` (the held terms of an installed richer set; usually 0).
    @inlinable
    public func latency(at step: StepObservation) -> Double {
        latency(batchSize: step.batchSize, tokens: step.tokens) + step.fixedMs
    }

    /// `T` (plus ``StepObservation/fixedMs``) and ``gradient(batchSize:tokens:)`` sharing their exponentials
    /// (2 `expm1` and 2 `exp` per point instead of 6). Same formulas, same accuracy (model_eval.json: T rel 1e-12, ∂T/∂θ rel 1e-10).
    @inlinable
    public func latencyAndGradient(at step: StepObservation) -> (latency: Double, gradient: SIMD8<Double>) {
        let b = step.batchSize
        let s = step.tokens
        let xb = kB * b
        let xs = kS * s
        let a = -Double.expMinusOne(-xb)
        let c = -Double.expMinusOne(-xs)
        let eb = Double.exp(-xb)
        let es = Double.exp(-xs)
        let thr = pMax * a * c
        let work = w0 + w1 * s
        let q = work / thr
        let t = tau0 + q + tauB * b + tauS * s + step.fixedMs
        return (t, SIMD8(-q / pMax, -q * b * eb / a, -q * s * es / c, 1 / thr, s / thr, 1, b, s))
    }

    public func equivalent(pinnedTo reference: LatencyParameters) -> LatencyParameters {
        var p = self
        if pMax != reference.pMax {
            let f = reference.pMax / pMax
            p.pMax = reference.pMax
            p.w0 *= f
            p.w1 *= f
        }
        return LatencyParameters(packed: Self.physicalBounds.projection(of: p.packed))
    }
}
