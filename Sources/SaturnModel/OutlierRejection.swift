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
        outliers(residuals, scaleFromAtMost: residuals.count)
    }

    /// ``outliers(_:)`` with the centre and scale estimated from at most `limit` evenly spaced residuals (the newest,
    /// last, always among them): for long windows, where two medians of every residual would cost more than the
    /// gate is worth and a sample's median and MAD serve a 5σ gate as well. - Precondition: `limit ≥ 1`.
    public func outliers(_ residuals: [Double], scaleFromAtMost limit: Int) -> [Int] {
        precondition(limit >= 1)
        let stride = Swift.max(1, (residuals.count + limit - 1) / limit)
        let sample = Swift.stride(from: residuals.count - 1, through: 0, by: -stride).map { residuals[$0] }
            .filter(\.isFinite)
        guard !sample.isEmpty else { return Array(residuals.indices) }
        let (m, sigma) = centreAndScale(sample)
        return residuals.indices.filter { !(abs(residuals[$0] - m) <= threshold * sigma) }
    }
}
