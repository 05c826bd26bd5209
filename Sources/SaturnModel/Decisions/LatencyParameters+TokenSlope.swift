import RealModule

extension LatencyParameters {
    /// `∂T/∂S` at `(B, S)` in ms/token: with `c = 1 − e^(−k_S S)`, `c' = k_S e^(−k_S S)`, `a = 1 − e^(−k_B B)`,
    /// `N = w₀ + w₁ S`,
    ///
    ///     ∂T/∂S = (w₁ c − N c') / (P_max a c²) + τ_S
    ///
    /// For fixed `B`, `T` is convex in `S` (the golden README's finding 9), so this slope is non-decreasing in `S`:
    /// negative below the latency-minimising token count, positive above it. It tends to `−∞` as `S → 0` when
    /// `w₀ > 0` and to `w₁ / (P_max a) + τ_S > 0` as `S → ∞`.
    @inlinable
    public func latencySlopeInTokens(batchSize b: Double, tokens s: Double) -> Double {
        let a = -Double.expMinusOne(-kB * b)
        let e = Double.exp(-kS * s)
        let c = -Double.expMinusOne(-kS * s)
        return (w1 * c - (w0 + w1 * s) * kS * e) / (pMax * a * c * c) + tauS
    }
}
