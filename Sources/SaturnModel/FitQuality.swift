/// How well a parameter set fitted the rows it was fitted on (in-sample figures reported with the set).
public struct FitQuality: Sendable, Hashable, Codable {
    /// Mean of `|T̂ − T| / T` over the rows.
    public var meanRelativeError: Double
    /// 95th percentile of `|T̂ − T| / T`.
    public var p95RelativeError: Double
    /// Coefficient of determination (0 when not finite, e.g. constant latencies).
    public var r2: Double
    /// Rows the figures are computed on.
    public var rows: UInt64

    public init(meanRelativeError: Double = 0, p95RelativeError: Double = 0, r2: Double = 0, rows: UInt64 = 0) {
        self.meanRelativeError = meanRelativeError
        self.p95RelativeError = p95RelativeError
        self.r2 = r2
        self.rows = rows
    }

    /// The figures of `metrics` on `rows` rows.
    public init(_ metrics: QualityMetrics, rows: Int) {
        self.init(
            meanRelativeError: metrics.meanRelativeError, p95RelativeError: metrics.p95RelativeError,
            r2: metrics.r2.isFinite ? metrics.r2 : 0, rows: UInt64(rows))
    }
}
