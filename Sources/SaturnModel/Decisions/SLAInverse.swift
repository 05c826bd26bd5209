import SaturnNumerics

/// The SLA inverse (DESIGN §6): for a step-latency target, which token counts `S` a step of `B` requests may
/// compute.
///
/// For fixed `B`, `T(B, ·)` is convex in `S` and U-shaped when `w₀ > 0` (high at small `S`, where the saturation
/// term `(w₀ + w₁ S) / Thr` explodes, and growing linearly at large `S`). The feasible set
/// `{S ∈ [lo, hi] : T(B,S) ≤ target}` is therefore one closed interval or empty. It is found exactly:
///
/// 1. the minimiser `S_min` of `T(B, ·)` on `[lo, hi]`: a root of ``LatencyParameters/latencySlopeInTokens(batchSize:tokens:)``
///    by Brent's method, or an end of the range when the slope does not change sign there;
/// 2. if `T(B, S_min) > target`, no `S` meets the target;
/// 3. else the lower end is `lo` when `T(B, lo) ≤ target`, otherwise the root of `T − target` on `[lo, S_min]`;
///    the upper end is `hi` when `T(B, hi) ≤ target`, otherwise the root on `[S_min, hi]` (Brent, `xtol = 2e-12`,
///    `rtol = 4ε`, as SciPy's `brentq`).
///
/// The answer served is the upper end, the **largest** feasible `S`. The paper bracketed `[lo, hi]` directly and
/// skipped a row when `T − target` had the same sign at both ends, which drops rows whose U dips below the target
/// between two high ends and, when the sign change is on the decreasing side, returns the *smallest* feasible `S`;
/// ``paperBracket(batchSize:targetMs:tokens:parameters:)`` reproduces that rule only to measure what it misses.
///
/// ```swift
/// let rows = SLAInverse.rows(batchSizes: 1...64, targetMs: 40, tokens: 1...4096, parameters: p)
/// let largest = rows[7].largestTokens   // nil: no S meets 40 ms at B = 8
/// ```
public enum SLAInverse {
    /// The answer for one batch size.
    public struct Row: Sendable, Hashable {
        /// `B` (requests).
        public var batchSize: Int
        /// The exact feasible set `{S in the range : T(B,S) ≤ target}` (tokens), or nil when it is empty.
        public var feasibleTokens: ClosedRange<Double>?
        /// The token count minimising `T(B, ·)` on the range.
        public var tokensAtMinimumLatency: Double
        /// `T(B, S_min)` (ms): the best this batch size can do.
        public var minimumLatencyMs: Double

        /// Memberwise initialiser.
        public init(
            batchSize: Int, feasibleTokens: ClosedRange<Double>?, tokensAtMinimumLatency: Double, minimumLatencyMs: Double
        ) {
            self.batchSize = batchSize
            self.feasibleTokens = feasibleTokens
            self.tokensAtMinimumLatency = tokensAtMinimumLatency
            self.minimumLatencyMs = minimumLatencyMs
        }

        /// The largest feasible `S` (the upper end of ``feasibleTokens``), or nil ("none").
        public var largestTokens: Double? { feasibleTokens?.upperBound }
    }

    /// The paper's bracketing rule on `[lo, hi]`, reproduced to compare with the exact answer.
    public struct PaperBracket: Sendable, Hashable {
        /// Which side of the U the bracket's single sign change is on.
        public enum RootSide: String, Sendable, Hashable {
            /// `T(lo) < target < T(hi)`: the root is the largest feasible `S`.
            case increasing
            /// `T(lo) > target > T(hi)`: the root is the **smallest** feasible `S`.
            case decreasing
        }
        /// `T(B, lo) − target` (ms).
        public var valueAtLower: Double
        /// `T(B, hi) − target` (ms).
        public var valueAtUpper: Double
        /// True when the two values have the same sign (their product is > 0): the paper returns nothing.
        public var isSkipped: Bool { valueAtLower * valueAtUpper > 0 }
        /// The root the paper's solver returns when not skipped (the end of the exact interval on ``rootSide``).
        public var root: Double?
        /// The side of the root, nil when skipped.
        public var rootSide: RootSide?
    }

    /// The token count in `tokens` minimising `T(B, ·)` (convex), to `xtol = 2e-12`, `rtol = 4ε`.
    /// - Precondition: `batchSize > 0`, `tokens.lowerBound > 0`, both finite.
    public static func tokensAtMinimumLatency(
        batchSize b: Double, tokens range: ClosedRange<Double>, parameters p: LatencyParameters
    ) -> Double {
        precondition(b > 0 && range.lowerBound > 0 && range.upperBound.isFinite, "B > 0 and 0 < S range < ∞")
        let slopeLow = p.latencySlopeInTokens(batchSize: b, tokens: range.lowerBound)
        if slopeLow >= 0 { return range.lowerBound }
        let slopeHigh = p.latencySlopeInTokens(batchSize: b, tokens: range.upperBound)
        if slopeHigh <= 0 { return range.upperBound }
        let r = BracketedRoot.brent(
            lower: range.lowerBound, fLower: slopeLow, upper: range.upperBound, fUpper: slopeHigh
        ) { p.latencySlopeInTokens(batchSize: b, tokens: $0) }
        return r?.root ?? range.lowerBound
    }

    /// The exact feasible interval `{S ∈ tokens : T(B,S) ≤ targetMs}`, or nil when empty.
    ///
    /// The ends are within `2e-12 + 4ε·S` of the true roots (so `T` at an end may exceed the target by a few ulps
    /// times the slope); an end of `tokens` is returned exactly when it is feasible.
    /// - Precondition: `batchSize > 0`, `tokens.lowerBound > 0`, all finite.
    public static func feasibleTokens(
        batchSize b: Double, targetMs target: Double, tokens range: ClosedRange<Double>, parameters p: LatencyParameters
    ) -> ClosedRange<Double>? {
        let sMin = tokensAtMinimumLatency(batchSize: b, tokens: range, parameters: p)
        return feasibleTokens(batchSize: b, targetMs: target, tokens: range, minimiser: sMin, parameters: p)
    }

    /// ``feasibleTokens(batchSize:targetMs:tokens:parameters:)`` with the minimiser already known.
    static func feasibleTokens(
        batchSize b: Double, targetMs target: Double, tokens range: ClosedRange<Double>, minimiser sMin: Double,
        parameters p: LatencyParameters
    ) -> ClosedRange<Double>? {
        let fMin = p.latency(batchSize: b, tokens: sMin) - target
        guard fMin <= 0 else { return nil }
        let f = { (s: Double) in p.latency(batchSize: b, tokens: s) - target }
        var lower = range.lowerBound
        let fLower = f(lower)
        if fLower > 0 {
            lower = BracketedRoot.brent(lower: lower, fLower: fLower, upper: sMin, fUpper: fMin, f)?.root ?? sMin
        }
        var upper = range.upperBound
        let fUpper = f(upper)
        if fUpper > 0 {
            upper = BracketedRoot.brent(lower: sMin, fLower: fMin, upper: upper, fUpper: fUpper, f)?.root ?? sMin
        }
        return min(lower, upper)...max(lower, upper)
    }

    /// One ``Row`` per batch size.
    /// - Precondition: `batchSizes.lowerBound ≥ 1`, `tokens.lowerBound > 0`, all finite.
    public static func row(
        batchSize: Int, targetMs: Double, tokens range: ClosedRange<Double>, parameters p: LatencyParameters
    ) -> Row {
        let b = Double(batchSize)
        let sMin = tokensAtMinimumLatency(batchSize: b, tokens: range, parameters: p)
        return Row(
            batchSize: batchSize,
            feasibleTokens: feasibleTokens(batchSize: b, targetMs: targetMs, tokens: range, minimiser: sMin, parameters: p),
            tokensAtMinimumLatency: sMin, minimumLatencyMs: p.latency(batchSize: b, tokens: sMin))
    }

    /// ``row(batchSize:targetMs:tokens:parameters:)`` for every batch size in `batchSizes`.
    public static func rows(
        batchSizes: ClosedRange<Int>, targetMs: Double, tokens: ClosedRange<Double>, parameters: LatencyParameters
    ) -> [Row] {
        precondition(batchSizes.lowerBound >= 1, "B ≥ 1")
        return batchSizes.map { row(batchSize: $0, targetMs: targetMs, tokens: tokens, parameters: parameters) }
    }

    /// The paper's rule: skip when `T − target` has the same sign at both ends of `tokens`; otherwise the single
    /// root in the bracket (convexity makes it unique), which is the upper end of the exact interval when
    /// `T(lo) < target` and its **lower** end when `T(lo) > target`.
    public static func paperBracket(
        batchSize b: Double, targetMs target: Double, tokens range: ClosedRange<Double>, parameters p: LatencyParameters
    ) -> PaperBracket {
        let fLo = p.latency(batchSize: b, tokens: range.lowerBound) - target
        let fHi = p.latency(batchSize: b, tokens: range.upperBound) - target
        var answer = PaperBracket(valueAtLower: fLo, valueAtUpper: fHi, root: nil, rootSide: nil)
        guard !answer.isSkipped else { return answer }
        if fLo == 0 { answer.root = range.lowerBound }
        if fHi == 0 { answer.root = range.upperBound }
        guard answer.root == nil,
            let interval = feasibleTokens(batchSize: b, targetMs: target, tokens: range, parameters: p)
        else { return answer }
        if fLo < 0 {
            answer.root = interval.upperBound
            answer.rootSide = .increasing
        } else {
            answer.root = interval.lowerBound
            answer.rootSide = .decreasing
        }
        return answer
    }
}
