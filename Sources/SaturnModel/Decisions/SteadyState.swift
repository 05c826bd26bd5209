import RealModule
import SaturnNumerics

/// A fluid (mean-value) model of one continuous-batching replica at saturation, and the TTFT it gives at a lower
/// load: the method behind ``CapacityPlan`` and ``StaticBudget``.
///
/// **Assumptions.** Steady state; every step computes `S` tokens of which a fraction `r = E[O]/(E[P]+E[O])` are
/// decode tokens (one per decoding request, so `D = r S` requests decode) and the rest are prefill; the prefill
/// tokens belong to `max(1, (1 − r) S / E[P])` requests, so `B(S) = r S + max(1, (1 − r) S / E[P])`. A step takes
/// `T(B(S), S)` from the latency model (no KV-context term, which the model does not have: the safety margin covers
/// it). Requests enter at rate `λ` and leave after `E[O]` decode steps.
///
/// **Saturation.** Tokens flow at `S / T` per ms and each request needs `E[P] + E[O]` of them, so a replica serves
/// at most `λ = 1000 S / (T(B(S), S) (E[P] + E[O]))` requests/s. `S/T` grows with `S` along `B(S)`, so the best
/// step is the largest `S` with `T ≤ L` (the step-latency limit), at most `maximumTokens` (a static token budget),
/// and at most `(N − 1)/r` with a sequence cap `N` (beyond it the decode slots, not the tokens, limit the rate).
/// The largest feasible `S` is found on a geometric grid (4 points per doubling, up to 2²⁴ tokens) and refined by
/// Brent's method and bisection to the last feasible double (`B(S)` has a kink where one prefill request becomes
/// several, so the curve need not be convex: a dip narrower than the grid's step could be missed).
///
/// **TTFT.** At a load `λ < λ_max` the steps are taken as long as at saturation (`T_c`, an upper bound), `D = λ E[O]
/// T_c / 1000` requests decode and the remaining `c = S_c − D` tokens per step are a prefill server of rate
/// `μ = 1000 c / T_c` tokens/s with utilisation `ρ = λ E[P] / μ` (`ρ → 1` as `λ → λ_max`). Prefill waits as in an
/// M/G/1 queue (Pollaczek-Khinchine mean `W = λ E[P²] / (2 μ² (1 − ρ))`), with the M/M/1 tail
/// `P(wait > t) = ρ e^(−ρ t / W)` for its `q`-quantile, and a prompt of `P_q` tokens then needs `⌈P_q / c⌉` steps:
///
///     TTFT_q = (W/ρ) ln(ρ / (1 − q))⁺ + ⌈P_q / c⌉ T_c / 1000        seconds
///
/// Poisson arrivals are assumed; burstier traffic waits longer.
public struct SteadyState: Sendable, Hashable {
    /// Requests per step `B` (may be fractional: a mean).
    public var batchSize: Double
    /// Tokens per step `S`.
    public var tokens: Double
    /// Step latency `T(B, S)` (ms).
    public var stepMs: Double
    /// Requests per second the replica serves at saturation.
    public var requestsPerSecond: Double
    /// Decode tokens (= decoding requests) per step.
    public var decodeTokens: Double
    /// Prefill tokens per step.
    public var prefillTokens: Double
    /// What bounds `S`.
    public var limitedBy: Limit

    /// Memberwise initialiser.
    public init(
        batchSize: Double, tokens: Double, stepMs: Double, requestsPerSecond: Double, decodeTokens: Double,
        prefillTokens: Double, limitedBy: Limit
    ) {
        self.batchSize = batchSize
        self.tokens = tokens
        self.stepMs = stepMs
        self.requestsPerSecond = requestsPerSecond
        self.decodeTokens = decodeTokens
        self.prefillTokens = prefillTokens
        self.limitedBy = limitedBy
    }

    /// What bounds the saturated step.
    public enum Limit: String, Sendable, Hashable {
        /// The step-latency limit `L`.
        case latency
        /// The token budget (`max_num_batched_tokens`).
        case tokenBudget = "token_budget"
        /// The sequence cap (`max_num_seqs`).
        case sequenceCap = "sequence_cap"
    }

    /// `B(S) = r S + max(1, (1 − r) S / E[P])`.
    @inlinable
    public static func batchSize(tokens s: Double, workload w: Workload) -> Double {
        w.decodeFraction * s + max(1, (1 - w.decodeFraction) * s / w.meanPromptTokens)
    }

    /// The saturated steady state, or nil when no step of at least one token meets `stepLimitMs`.
    ///
    /// - Parameters:
    ///   - parameters: The latency model.
    ///   - stepLimitMs: `L` (ms): the step SLA after any safety margin.
    ///   - workload: Request lengths (``Workload/isValid``).
    ///   - maximumTokens: A token budget per step (nil: none).
    ///   - maximumSequences: A cap on requests per step (nil: none; ≥ 2).
    public static func saturation(
        parameters p: LatencyParameters, stepLimitMs limit: Double, workload w: Workload, maximumTokens: Double? = nil,
        maximumSequences: Int? = nil
    ) -> SteadyState? {
        precondition(w.isValid, "a valid workload")
        let r = w.decodeFraction
        let f = { (s: Double) in p.latency(batchSize: batchSize(tokens: s, workload: w), tokens: s) - limit }
        // The largest feasible S on a geometric grid, then refined.
        var lastFeasible: Double?
        var firstAbove: Double?
        var fFeasible = 0.0
        var fAbove = 0.0
        var s = 1.0
        while s <= 16_777_216 {
            let v = f(s)
            if v <= 0 {
                lastFeasible = s
                fFeasible = v
                firstAbove = nil
            } else if lastFeasible != nil && firstAbove == nil {
                firstAbove = s
                fAbove = v
            }
            s *= 1.189_207_115_002_721  // 2^(1/4)
        }
        guard var best = lastFeasible else { return nil }
        var limitedBy = Limit.latency
        if let above = firstAbove {
            // Brent's root, then bisection keeping the feasible end (Brent may land a hair past the root).
            var lo = best
            var hi = above
            if let root = BracketedRoot.brent(lower: lo, fLower: fFeasible, upper: hi, fUpper: fAbove, f)?.root {
                if f(root) <= 0 { lo = root } else { hi = root }
            }
            for _ in 0..<64 where hi - lo > 4 * Double.ulpOfOne * hi {
                let mid = (lo + hi) / 2
                if f(mid) <= 0 { lo = mid } else { hi = mid }
            }
            best = lo
        }
        if let m = maximumTokens, m < best {
            best = m
            limitedBy = .tokenBudget
        }
        if let n = maximumSequences {
            let decodeCap = Double(n - 1) / r
            if decodeCap < best {
                best = decodeCap
                limitedBy = .sequenceCap
            }
        }
        guard best >= 1 else { return nil }
        var b = batchSize(tokens: best, workload: w)
        if let n = maximumSequences { b = min(b, Double(n)) }
        let t = p.latency(batchSize: b, tokens: best)
        return SteadyState(
            batchSize: b, tokens: best, stepMs: t, requestsPerSecond: 1000 * best / (t * w.tokensPerRequest),
            decodeTokens: r * best, prefillTokens: (1 - r) * best, limitedBy: limitedBy)
    }

    /// The `q`-quantile TTFT (seconds) for a prompt of `P_q` tokens at `requestsPerSecond` (the model in the type's
    /// documentation), or nil when the load saturates the replica (`ρ ≥ 1`).
    public func timeToFirstToken(requestsPerSecond lambda: Double, workload w: Workload) -> Double? {
        guard lambda >= 0 else { return nil }
        let decoding = lambda * w.meanOutputTokens * stepMs / 1000
        let budget = tokens - decoding
        guard budget > 0 else { return nil }
        let mu = 1000 * budget / stepMs
        let rho = lambda * w.meanPromptTokens / mu
        guard rho < 1 else { return nil }
        var wait = 0.0
        if rho > 0 {
            let mean = lambda * w.promptTokensSecondMoment / (2 * mu * mu * (1 - rho))
            let tail = Double.log(rho / (1 - w.quantile))
            if tail > 0 { wait = mean / rho * tail }
        }
        return wait + (w.promptTokensAtQuantile / budget).rounded(.up) * stepMs / 1000
    }
}
