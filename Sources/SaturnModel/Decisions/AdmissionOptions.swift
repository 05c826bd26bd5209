/// The options of ``Admission/decide(running:waiting:slaMs:options:parameters:)``. The default is the design's
/// greedy rule with no margin, no chunking and no cap, which is what `admission.json` checks.
public struct AdmissionOptions: Sendable, Hashable {
    /// ``AdmissionRule/greedy`` (the design's) or ``AdmissionRule/bestEffort``.
    public var rule: AdmissionRule
    /// Keep visiting candidates after one that does not fit (it stays waiting) instead of stopping there. Later,
    /// smaller requests may then overtake it.
    public var scanPastMisfit: Bool
    /// Prefill chunking: nil admits whole requests only. Otherwise a candidate that does not fit whole is admitted
    /// with the largest whole-token prefix `c` such that `minimumChunkTokens ≤ c < tokens` and the step stays within
    /// the SLA; such a chunk fills the step, so the scan ends there (``AdmissionStopReason/chunked``). Must be > 0.
    public var minimumChunkTokens: Double?
    /// The safety margin `m ∈ [0, 1)`: admissions keep the prediction within the effective SLA `sla · (1 − m)`.
    /// ``safetyMargin(p95RelativeError:multiplier:)`` derives it from a key's recent accuracy.
    public var safetyMargin: Double
    /// Concurrency cap: running + admitted ≤ this (nil: no cap). Must be ≥ 0.
    public var maximumBatchSize: Int?

    /// Creates options; the defaults reproduce the design's greedy rule.
    public init(
        rule: AdmissionRule = .greedy, scanPastMisfit: Bool = false, minimumChunkTokens: Double? = nil,
        safetyMargin: Double = 0, maximumBatchSize: Int? = nil
    ) {
        self.rule = rule
        self.scanPastMisfit = scanPastMisfit
        self.minimumChunkTokens = minimumChunkTokens
        self.safetyMargin = safetyMargin
        self.maximumBatchSize = maximumBatchSize
    }

    /// The largest margin ``safetyMargin(p95RelativeError:multiplier:)`` returns: half the SLA.
    public static let maximumDerivedSafetyMargin = 0.5

    /// A safety margin from a key's recent prediction accuracy.
    ///
    /// If the measured latency is `T = T̂ (1 + e)` with `e ≤ k · p95` for (at least) 95% of steps, a prediction
    /// `T̂ ≤ sla / (1 + k · p95)` keeps `T ≤ sla` for those steps. Writing that bound as `sla · (1 − m)` gives
    ///
    ///     m = k · p95 / (1 + k · p95),   clamped to [0, 0.5]
    ///
    /// where `p95` is the 95th percentile of the recent relative errors `|T̂ − T| / T` (``AccuracySummary/p95``) and
    /// `k` (`multiplier`, default 1) widens it when fewer than 5% of steps may overshoot. The relative error is
    /// measured against `T`, not `T̂`, so this is exact for over-predictions and slightly conservative otherwise;
    /// it assumes the recent errors describe the next step's (no drift since they were measured).
    ///
    /// - Parameters:
    ///   - p95RelativeError: The key's recent p95 relative error (≥ 0; NaN or negative gives 0).
    ///   - multiplier: `k` (≥ 0).
    /// - Returns: `m` in `[0, 0.5]`.
    public static func safetyMargin(p95RelativeError p95: Double, multiplier k: Double = 1) -> Double {
        let e = k * p95
        guard e.isFinite, e > 0 else { return e == .infinity ? maximumDerivedSafetyMargin : 0 }
        return min(e / (1 + e), maximumDerivedSafetyMargin)
    }

    /// `sla · (1 − safetyMargin)` (ms).
    public func effectiveSLA(_ slaMs: Double) -> Double { slaMs * (1 - safetyMargin) }
}
