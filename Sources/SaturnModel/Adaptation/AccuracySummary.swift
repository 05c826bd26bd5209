import SaturnNumerics

/// Prediction accuracy over the most recent observations (DESIGN §5): mean, 95th and 99th percentile of the
/// relative error `|T̂ − T| / T`.
///
/// Percentiles use linear interpolation between order statistics (NumPy's default, ``Descriptive``).
///
/// ```swift
/// let a = AccuracySummary(relativeErrors: errors)   // the last 1,000
/// let healthy = (a?.mean ?? 0) < 0.15
/// ```
public struct AccuracySummary: Sendable, Hashable {
    /// Default number of most recent observations summarised.
    public static let defaultCount = 1000

    /// Errors summarised.
    public var count: Int
    /// Mean relative error.
    public var mean: Double
    /// 95th percentile.
    public var p95: Double
    /// 99th percentile.
    public var p99: Double

    /// Summarises the last `lastCount` of `relativeErrors` (oldest first); nil when there is none.
    /// - Precondition: `lastCount ≥ 1`; errors finite and non-negative.
    public init?(relativeErrors: [Double], lastCount: Int = defaultCount) {
        precondition(lastCount >= 1)
        let recent = relativeErrors.suffix(lastCount)
        guard !recent.isEmpty else { return nil }
        let sorted = recent.sorted()
        count = sorted.count
        mean = Descriptive.mean(Array(recent))
        p95 = Descriptive.quantile(sorted: sorted, 0.95)
        p99 = Descriptive.quantile(sorted: sorted, 0.99)
    }

    /// Summarises `model`'s relative errors on the last `lastCount` observations of `window`.
    public init?<Model: AdaptiveLatencyModel>(
        _ model: Model, on window: [StepObservation], lastCount: Int = defaultCount
    ) {
        self.init(
            relativeErrors: window.suffix(lastCount).map {
                Self.relativeError(predicted: model.latency(at: $0), actual: $0.latencyMs)
            },
            lastCount: lastCount)
    }

    /// `|predicted − actual| / actual`. - Precondition: `actual > 0`.
    @inlinable
    public static func relativeError(predicted: Double, actual: Double) -> Double { abs(predicted - actual) / actual }
}
