import SaturnNumerics

/// Accuracy degradation (DESIGN §5): a one-sided Mann-Whitney U test of whether the recent relative errors are
/// stochastically greater than the historical ones; alert when `p < significanceLevel`.
///
/// The series is the key's relative errors `|T̂ − T| / T` in time order (oldest first); the newest
/// ``recentCount`` (default 1,000) are the recent sample, every older one historical.
/// ``MannWhitneyU/test(_:_:alternative:useContinuity:method:)`` runs with `alternative: .greater`, continuity
/// correction and SciPy's `auto` method (asymptotic with tie correction at these sizes).
///
/// On a stable stream the p-value is uniform, so about `significanceLevel` of the tests alert: the false-alarm
/// rate per test is α by construction (the tests print it over seeded streams). Autocorrelated errors raise it.
///
/// ```swift
/// if let r = try DegradationDetector().test(relativeErrors: errors), r.isDegraded { /* raise an alert */ }
/// ```
public struct DegradationDetector: Sendable, Hashable {
    /// The outcome of one test.
    public struct Result: Sendable, Hashable {
        /// U of the recent sample.
        public var statistic: Double
        /// One-sided p-value (`recent > historical`).
        public var pValue: Double
        /// `pValue < significanceLevel`.
        public var isDegraded: Bool
        /// Size of the recent sample.
        public var recentCount: Int
        /// Size of the historical sample.
        public var historicalCount: Int
    }

    /// Newest errors forming the recent sample (≥ 1). Default 1,000.
    public var recentCount: Int
    /// Fewest historical errors a test needs (≥ 1). Default 100.
    public var minimumHistoricalCount: Int
    /// α. Default 0.05 (DESIGN §5).
    public var significanceLevel: Double

    /// Creates a detector.
    public init(recentCount: Int = 1000, minimumHistoricalCount: Int = 100, significanceLevel: Double = 0.05) {
        precondition(recentCount >= 1 && minimumHistoricalCount >= 1)
        precondition(significanceLevel > 0 && significanceLevel < 1)
        self.recentCount = recentCount
        self.minimumHistoricalCount = minimumHistoricalCount
        self.significanceLevel = significanceLevel
    }

    /// Tests `relativeErrors` (oldest first).
    ///
    /// - Returns: nil when there are fewer than ``recentCount`` + ``minimumHistoricalCount`` errors.
    /// - Throws: ``StatisticsError/nonFiniteValue`` for a NaN or infinite error.
    public func test(relativeErrors: [Double]) throws(StatisticsError) -> Result? {
        guard
            let (recent, historical) = recentVersusHistorical(
                relativeErrors, recentCount: recentCount, minimumHistoricalCount: minimumHistoricalCount)
        else { return nil }
        let u = try MannWhitneyU.test(recent, historical, alternative: .greater)
        return Result(
            statistic: u.statistic, pValue: u.pValue, isDegraded: u.pValue < significanceLevel,
            recentCount: recent.count, historicalCount: historical.count)
    }
}
