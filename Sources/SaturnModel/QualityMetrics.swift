import SaturnNumerics

/// Goodness of fit of predictions against observed latencies (DESIGN §2.5).
public struct QualityMetrics: Sendable, Equatable, Codable {
    /// Number of rows.
    public var count: Int
    /// `Σ (T − T̂)²`.
    public var sumOfSquaredResiduals: Double
    /// `Σ (T − T̄)²` with the mean of these rows.
    public var totalSumOfSquares: Double
    /// `1 − SSE/SST` (NaN when SST = 0).
    public var r2: Double
    /// `sqrt(SSE/n)` in ms.
    public var rmse: Double
    /// `mean |T − T̂|` in ms.
    public var mae: Double
    /// `mean |T̂ − T| / T`, a fraction.
    public var meanRelativeError: Double
    /// Median relative error (fraction).
    public var p50RelativeError: Double
    /// 95th percentile of the relative error (fraction).
    public var p95RelativeError: Double
    /// 99th percentile of the relative error (fraction).
    public var p99RelativeError: Double

    /// Computes the metrics. Percentiles interpolate linearly (NumPy's default).
    ///
    /// - Precondition: equal, non-zero lengths; observations positive.
    public init(predictions: [Double], observations: [Double]) {
        precondition(predictions.count == observations.count && !observations.isEmpty)
        let n = observations.count
        let mean = Descriptive.mean(observations)
        var sse = 0.0
        var sst = 0.0
        var sae = 0.0
        var rel = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let r = observations[i] - predictions[i]
            sse += r * r
            sst += (observations[i] - mean) * (observations[i] - mean)
            sae += abs(r)
            rel[i] = abs(r) / observations[i]
        }
        rel.sort()
        count = n
        sumOfSquaredResiduals = sse
        totalSumOfSquares = sst
        r2 = sst > 0 ? 1 - sse / sst : .nan
        rmse = (sse / Double(n)).squareRoot()
        mae = sae / Double(n)
        meanRelativeError = Descriptive.sum(rel) / Double(n)
        p50RelativeError = Descriptive.quantile(sorted: rel, 0.5)
        p95RelativeError = Descriptive.quantile(sorted: rel, 0.95)
        p99RelativeError = Descriptive.quantile(sorted: rel, 0.99)
    }

    /// Metrics of `model` on `table`.
    public init(_ model: some LatencyPredictor, on table: StepTable) {
        self.init(predictions: model.predictions(for: table), observations: table.latencies)
    }
}

/// Residual analysis of a fit: residuals `T − T̂` in data order, and their Shapiro-Wilk test.
public struct ResidualAnalysis: Sendable {
    /// Predictions `T̂`.
    public var predictions: [Double]
    /// Residuals `T − T̂`.
    public var residuals: [Double]
    /// Shapiro-Wilk on the residuals (nil with fewer than 3 rows).
    public var shapiroWilk: ShapiroWilk.Result?

    public init(_ model: some LatencyPredictor, on table: StepTable) {
        predictions = model.predictions(for: table)
        residuals = zip(table.latencies, predictions).map { $0 - $1 }
        shapiroWilk = try? ShapiroWilk.test(residuals)
    }
}
