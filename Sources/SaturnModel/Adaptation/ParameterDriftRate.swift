/// How much an update changed what a key predicts: the health check's "parameter drift rate" (DESIGN §5,
/// healthy below 0.1).
///
/// Definition: for an update from set `old` to set `new`, over the distinct operating points `P` = the distinct
/// `(B, S)` of the key's most recent observations (default the last 1,000),
///
///     rate = (1/|P|) Σ_{(B,S) ∈ P} |T_new(B,S) − T_old(B,S)| / T_old(B,S)
///
/// the mean relative change of the prediction at the points the key actually serves, each point counted once
/// (so that frequent decode points cannot hide a large change at the rarer prefill points). It is measured on
/// predictions, not on parameters, because the parameters move along directions that do not change any
/// prediction (`P_max` is not identifiable, Findings 1) and have incomparable units. ``maximum`` is the largest
/// change at one point. The health check reports the rate of the key's latest accepted update (0 before any):
/// 0.1 means the update moved the predictions by 10% on average, far more than a stable key's noise-driven
/// updates do (at most 0.3% in the tests).
///
/// ```swift
/// let drift = ParameterDriftRate(from: old, to: new, on: window)
/// let healthy = drift?.isHealthy ?? true
/// ```
public struct ParameterDriftRate: Sendable, Hashable {
    /// The health threshold (DESIGN §5).
    public static let healthThreshold = 0.1
    /// Default number of most recent observations whose operating points are compared.
    public static let defaultCount = 1000

    /// Mean relative change of the prediction over the distinct operating points.
    public var value: Double
    /// Largest relative change at one operating point.
    public var maximum: Double
    /// Distinct operating points compared.
    public var pointCount: Int

    /// True when ``value`` is below ``healthThreshold``.
    public var isHealthy: Bool { value < Self.healthThreshold }

    /// The drift rate from `old` to `new` on the distinct `(B, S)` of the last `lastCount` observations of
    /// `window`; nil when there is none.
    public init?<Model: AdaptiveLatencyModel>(
        from old: Model, to new: Model, on window: [StepObservation], lastCount: Int = defaultCount
    ) {
        self.init(before: { old.latency(at: $0) }, after: { new.latency(at: $0) }, on: window, lastCount: lastCount)
    }

    /// The same measure between two sets of any family members (a refit that changed the terms or the family);
    /// each row's `K` and `Q` are read, its ``StepObservation/fixedMs`` is not.
    public init?(from old: FamilyParameters, to new: FamilyParameters, on window: [StepObservation],
                 lastCount: Int = defaultCount) {
        self.init(before: { old.latency(at: $0) }, after: { new.latency(at: $0) }, on: window, lastCount: lastCount)
    }

    private init?(
        before old: (StepObservation) -> Double, after new: (StepObservation) -> Double, on window: [StepObservation],
        lastCount: Int
    ) {
        precondition(lastCount >= 1)
        var seen = Set<OperatingPoint>()
        var sum = 0.0
        var largest = 0.0
        for row in window.suffix(lastCount)
        where seen.insert(OperatingPoint(batchSize: row.batchSize, tokens: row.tokens)).inserted {
            let before = old(row)
            let change = abs(new(row) - before) / before
            sum += change
            largest = Swift.max(largest, change)
        }
        guard !seen.isEmpty else { return nil }
        value = sum / Double(seen.count)
        maximum = largest
        pointCount = seen.count
    }
}

struct OperatingPoint: Hashable {
    var batchSize: Double
    var tokens: Double
}
