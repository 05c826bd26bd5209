/// Capacity (DESIGN §6): the step `(B, S)` that computes the most tokens per millisecond, `S / T(B,S)`, within a
/// latency limit.
///
/// For fixed `B`, `T(B,S)/S = τ_S + (τ₀ + τ_B B)/S + (w₀/S + w₁)/Thr(B,S)` is strictly decreasing in `S` (each
/// term is non-increasing and `Thr` grows with `S`), so `S / T` is strictly increasing in `S` and the best `S` for
/// a batch size is the **upper end** of its feasible interval (``SLAInverse/feasibleTokens(batchSize:targetMs:tokens:parameters:)``):
/// either the token cap (the latency constraint inactive) or the largest root of `T(B,S) = L` (active, `T = L`).
/// The answer enumerates every integer `B` in the range and keeps the best (ties: the smaller `B`), so it is exact up
/// to the root solver's `2e-12` tokens; it is not a random search. The integer-`S` variant uses `⌊S_hi⌋` (feasible
/// when it is still ≥ the interval's lower end).
///
/// ```swift
/// let r = Capacity.maximise(latencyLimitMs: 30, batchSizes: 1...64, maximumTokens: 2048, parameters: p)
/// print(r.best?.batchSize, r.best?.tokens, r.best?.tokensPerMs)
/// ```
public enum Capacity {
    /// One operating point.
    public struct Point: Sendable, Hashable {
        /// `B` (requests).
        public var batchSize: Int
        /// `S` (tokens).
        public var tokens: Double
        /// `T(B, S)` (ms).
        public var latencyMs: Double
        /// `S / T` (tokens/ms).
        public var tokensPerMs: Double
        /// True when the latency limit binds (`T = L`, `S` below the token cap).
        public var isLatencyBound: Bool

        /// Memberwise initialiser.
        public init(batchSize: Int, tokens: Double, latencyMs: Double, tokensPerMs: Double, isLatencyBound: Bool) {
            self.batchSize = batchSize
            self.tokens = tokens
            self.latencyMs = latencyMs
            self.tokensPerMs = tokensPerMs
            self.isLatencyBound = isLatencyBound
        }
    }

    /// The answer for one batch size.
    public struct Row: Sendable, Hashable {
        /// `B`.
        public var batchSize: Int
        /// `{S ∈ [minimumTokens, maximumTokens] : T(B,S) ≤ L}`, nil when empty.
        public var feasibleTokens: ClosedRange<Double>?
        /// The best continuous `S` (the interval's upper end), nil when infeasible.
        public var best: Point?
        /// The best whole-token `S` (`⌊S_hi⌋`), nil when no whole token count is feasible.
        public var bestInteger: Point?
    }

    /// The whole answer.
    public struct Result: Sendable, Hashable {
        /// One row per batch size, in order.
        public var rows: [Row]
        /// The best point over all batch sizes (continuous `S`), nil when nothing meets the limit.
        public var best: Point?
        /// The best point with whole-token `S`, nil when none meets the limit.
        public var bestInteger: Point?
        /// `(best − second best B's best) / best`: how clearly the chosen batch size wins (nil with < 2 feasible B).
        public var relativeGapToSecondBest: Double?
    }

    /// Maximises `S / T(B,S)` subject to `T(B,S) ≤ latencyLimitMs`, `B ∈ batchSizes` (integers),
    /// `S ∈ [minimumTokens, maximumTokens]`.
    ///
    /// - Precondition: `batchSizes.lowerBound ≥ 1`; `0 < minimumTokens ≤ maximumTokens < ∞`; the limit finite.
    public static func maximise(
        latencyLimitMs limit: Double, batchSizes: ClosedRange<Int>, minimumTokens: Double = 1,
        maximumTokens: Double, parameters p: LatencyParameters
    ) -> Result {
        precondition(batchSizes.lowerBound >= 1, "B ≥ 1")
        precondition(minimumTokens > 0 && minimumTokens <= maximumTokens && maximumTokens.isFinite, "0 < S range < ∞")
        let range = minimumTokens...maximumTokens
        var rows: [Row] = []
        rows.reserveCapacity(batchSizes.count)
        var best: Point?
        var second: Double?
        var bestInteger: Point?
        for b in batchSizes {
            let bb = Double(b)
            guard let feasible = SLAInverse.feasibleTokens(batchSize: bb, targetMs: limit, tokens: range, parameters: p)
            else {
                rows.append(Row(batchSize: b, feasibleTokens: nil, best: nil, bestInteger: nil))
                continue
            }
            let s = feasible.upperBound
            let t = p.latency(batchSize: bb, tokens: s)
            let point = Point(batchSize: b, tokens: s, latencyMs: t, tokensPerMs: s / t, isLatencyBound: s < maximumTokens)
            var integer: Point?
            let si = s.rounded(.down)
            if si >= feasible.lowerBound && si >= minimumTokens {
                let ti = p.latency(batchSize: bb, tokens: si)
                integer = Point(
                    batchSize: b, tokens: si, latencyMs: ti, tokensPerMs: si / ti, isLatencyBound: si < maximumTokens)
            }
            rows.append(Row(batchSize: b, feasibleTokens: feasible, best: point, bestInteger: integer))
            if let current = best {
                if point.tokensPerMs > current.tokensPerMs {
                    second = current.tokensPerMs
                    best = point
                } else if second.map({ point.tokensPerMs > $0 }) ?? true {
                    second = point.tokensPerMs
                }
            } else {
                best = point
            }
            if let integer, integer.tokensPerMs > (bestInteger?.tokensPerMs ?? -.infinity) { bestInteger = integer }
        }
        let gap = best.flatMap { b in second.map { (b.tokensPerMs - $0) / b.tokensPerMs } }
        return Result(rows: rows, best: best, bestInteger: bestInteger, relativeGapToSecondBest: gap)
    }
}
