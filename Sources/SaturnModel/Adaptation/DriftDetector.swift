import SaturnNumerics

/// Residual drift (DESIGN §4): a two-sample Kolmogorov-Smirnov test between the recent residuals and the
/// historical ones of the same window; drift when `p < significanceLevel`.
///
/// The series is the key's residuals in time order (oldest first); the newest ``recentCount`` (default 1,000)
/// are the recent sample, every older one is historical. ``KolmogorovSmirnov/twoSample(_:_:alternative:method:)``
/// runs two-sided with the p-value method ``method``: by default the asymptotic one (the one-sample Kolmogorov
/// distribution at `n_eff = n₁n₂/(n₁+n₂)`, 800 for 1,000 recent against 4,000 historical residuals), whose
/// p-value differs from the exact lattice count in the third digit at these sizes, near α = 0.05. The exact
/// count (SciPy's `auto` below 10,000 per sample) costs O(n₁n₂): 2 ms on a stable 5,000-row window and 25 ms
/// after a switch (release build), against 0.3 ms for the whole asymptotic test, which then is mostly the sort.
///
/// Which residuals: preferably those of the *current* set over the whole window (``residuals(of:on:)``), so
/// that a change in the residual distribution means the data changed, not that an accepted update changed the
/// model half-way through the window. The predictions stored at arrival time mix parameter versions.
///
/// Caveat: the KS test assumes independent samples; a real stream is autocorrelated (workload phases), which
/// makes p-values too small, so treat a detection as a trigger for an update or a ``ChangePoint`` check, not as
/// proof.
///
/// ```swift
/// if let r = try DriftDetector().test(residuals: DriftDetector.residuals(of: current, on: window)), r.isDrift {
///     // change point, refit on the rows after it, reset the updater state
/// }
/// ```
public struct DriftDetector: Sendable, Hashable {
    /// The outcome of one test.
    public struct Result: Sendable, Hashable {
        /// KS statistic D.
        public var statistic: Double
        /// Two-sided p-value.
        public var pValue: Double
        /// `pValue < significanceLevel`.
        public var isDrift: Bool
        /// Size of the recent sample.
        public var recentCount: Int
        /// Size of the historical sample.
        public var historicalCount: Int
    }

    /// Newest residuals forming the recent sample (≥ 1). Default 1,000 (DESIGN §4).
    public var recentCount: Int
    /// Fewest historical residuals a test needs (≥ 1). Default 100.
    public var minimumHistoricalCount: Int
    /// α. Default 0.05.
    public var significanceLevel: Double
    /// How the p-value is computed. Default ``KolmogorovSmirnov/Method/asymptotic`` (see the type's discussion).
    public var method: KolmogorovSmirnov.Method

    /// Creates a detector.
    public init(
        recentCount: Int = 1000, minimumHistoricalCount: Int = 100, significanceLevel: Double = 0.05,
        method: KolmogorovSmirnov.Method = .asymptotic
    ) {
        precondition(recentCount >= 1 && minimumHistoricalCount >= 1)
        precondition(significanceLevel > 0 && significanceLevel < 1)
        self.recentCount = recentCount
        self.minimumHistoricalCount = minimumHistoricalCount
        self.significanceLevel = significanceLevel
        self.method = method
    }

    /// Tests `residuals` (oldest first).
    ///
    /// - Returns: nil when there are fewer than ``recentCount`` + ``minimumHistoricalCount`` residuals.
    /// - Throws: ``StatisticsError/nonFiniteValue`` for a NaN or infinite residual.
    public func test(residuals: [Double]) throws(StatisticsError) -> Result? {
        guard
            let (recent, historical) = recentVersusHistorical(
                residuals, recentCount: recentCount, minimumHistoricalCount: minimumHistoricalCount)
        else { return nil }
        let ks = try KolmogorovSmirnov.twoSample(recent, historical, method: method)
        return Result(
            statistic: ks.statistic, pValue: ks.pValue, isDrift: ks.pValue < significanceLevel,
            recentCount: recent.count, historicalCount: historical.count)
    }

    /// Relative residuals `(T̂ − T)/T` of `model` on `window`, in window order.
    public static func residuals<Model: AdaptiveLatencyModel>(of model: Model, on window: [StepObservation])
        -> [Double]
    {
        window.map { (model.latency(at: $0) - $0.latencyMs) / $0.latencyMs }
    }
}
