import SaturnNumerics

/// The robust gate of the fit: observations that no smooth latency surface explains (a step measured during a
/// stall, a worker's first steps after a restart, physically impossible rows) are rejected instead of bending the
/// fit.
///
/// On the relative residuals `rᵢ = (T̂ᵢ − Tᵢ)/Tᵢ` of a fit over all filtered rows, with `m = median(r)` and the
/// robust scale `σ = max(1.4826 · median|rᵢ − m|, minimumScale)` (the MAD, consistent with a normal standard
/// deviation), row `i` is rejected when `|rᵢ − m| > threshold · σ`. ``LatencyFitter`` fits, rejects, refits on the
/// rest, and repeats (rejections recomputed from every filtered row, so a row can come back) until the rejected
/// set no longer changes or ``maximumRounds`` refits have run. Every rejected row is listed in
/// ``FitReport/rejected``.
///
/// With the default threshold (5σ) and scale floor (``minimumScale``, 5%), a row is rejected only when its relative
/// residual lies at least 25 points from the median one; on clean data (Gaussian-like residuals) nothing is rejected.
public struct OutlierRejection: Sendable, Hashable {
    /// The gate in robust standard deviations, > 0. Default 5.
    public var threshold: Double
    /// Refits at most. Default 3.
    public var maximumRounds: Int
    /// Floor of the robust scale (a fraction), so an almost exact fit does not reject rows for tiny deviations.
    /// Default 0.05.
    public var minimumScale: Double

    public init(threshold: Double = 5, maximumRounds: Int = 3, minimumScale: Double = 0.05) {
        self.threshold = threshold
        self.maximumRounds = maximumRounds
        self.minimumScale = minimumScale
    }

    /// The robust centre and scale `(m, σ)` of `residuals`. - Precondition: non-empty.
    public func centreAndScale(_ residuals: [Double]) -> (centre: Double, scale: Double) {
        let m = Descriptive.median(residuals)
        let mad = Descriptive.median(residuals.map { abs($0 - m) })
        return (m, Swift.max(1.4826 * mad, minimumScale))
    }

    /// Positions (ascending) of the residuals outside the gate. Non-finite residuals are always outside.
    public func outliers(_ residuals: [Double]) -> [Int] {
        let finite = residuals.filter(\.isFinite)
        guard !finite.isEmpty else { return Array(residuals.indices) }
        let (m, sigma) = centreAndScale(finite)
        return residuals.indices.filter { !(abs(residuals[$0] - m) <= threshold * sigma) }
    }
}
