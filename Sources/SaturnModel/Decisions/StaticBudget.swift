/// A static budget recommendation: the vLLM scheduler settings `max_num_batched_tokens` (token budget per step,
/// decode tokens first, then prefill chunks) and `max_num_seqs` (requests per step) for a model, a GPU (both in
/// the fitted parameters), a step SLA and a workload. This is what `saturn plan` recommends to a user who will not
/// run the agent in the loop.
///
/// **Rule.** With `L = sla (1 − m)`:
/// 1. For each candidate sequence cap `N`, the token budget `M(N)` is the largest multiple of `granularity` with
///    `M ≥ N` whose fullest steps meet `L`: `T(b, M) ≤ L` for every `b` in `[2, N]` (steps that carry a decode token
///    gap; `T` is convex in `b`, so checking `b = 2` and `b = N` suffices). A step of `S ≤ M` tokens is then within
///    `L` too wherever `T` grows with `S` (past the batching-efficiency region, which real steps of that size are).
/// 2. Each `(M(N), N)` gets the saturated rate of ``SteadyState/saturation(parameters:stepLimitMs:workload:maximumTokens:maximumSequences:)``.
/// 3. With a TTFT target and a planning rate, candidates whose TTFT at that rate misses the target are dropped
///    (unless none meets it).
/// 4. The recommendation is the candidate with the highest saturated rate; ties (within 0.1%) go to the smaller
///    `N`, which keeps fewer requests' KV caches resident.
///
/// A larger budget than `M(N)` lets chunked prefill push decode steps over the SLA (what vLLM's defaults, 2048 or
/// 8192 tokens with 256 sequences, do at tight SLAs); a smaller one wastes throughput. The recommendation is
/// only as good as the model on the deployment (set the margin from its measured error: 8-12% for a few percent
/// of step noise) and assumes the workload's steady state; the simulator checks it against a grid search.
public enum StaticBudget {
    /// The candidate sequence caps by default.
    public static let defaultSequenceCaps = [8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]

    /// One evaluated setting.
    public struct Candidate: Sendable, Hashable {
        /// `max_num_batched_tokens`.
        public var maxNumBatchedTokens: Int
        /// `max_num_seqs`.
        public var maxNumSeqs: Int
        /// `max(T(2, M), T(N, M))` (ms): the slowest full step.
        public var worstStepMs: Double
        /// The saturated steady state with this budget.
        public var saturation: SteadyState
        /// Predicted TTFT at the planning rate (ms), when a rate was given and the replica is not saturated.
        public var ttftMs: Double?
    }

    /// The recommendation and every candidate considered.
    public struct Recommendation: Sendable, Hashable {
        /// The recommended setting, nil when no candidate meets the SLA.
        public var best: Candidate?
        /// All feasible candidates, by sequence cap.
        public var candidates: [Candidate]
        /// `sla (1 − m)` (ms).
        public var stepLimitMs: Double
        /// True when a TTFT target was given and no candidate met it (the best is then chosen on rate alone).
        public var ttftTargetMissed: Bool
    }

    /// Recommends `(max_num_batched_tokens, max_num_seqs)`.
    ///
    /// - Parameters:
    ///   - parameters: The fitted latency model of the model on the GPU.
    ///   - slaMs: Step-latency SLA (ms, > 0).
    ///   - workload: Request lengths.
    ///   - requestsPerSecond: The planning rate per replica (for the TTFT check); nil: none.
    ///   - ttftMs: TTFT target (ms) at the workload's quantile; nil: none.
    ///   - safetyMargin: `m ∈ [0, 1)` (default 0.1).
    ///   - sequenceCaps: Candidate `max_num_seqs` values (each ≥ 2).
    ///   - granularity: Token budgets are multiples of this (default 16, ≥ 1).
    ///   - maximumTokenBudget: The largest budget considered (default 65536).
    public static func recommend(
        parameters p: LatencyParameters, slaMs: Double, workload: Workload, requestsPerSecond: Double? = nil,
        ttftMs: Double? = nil, safetyMargin: Double = 0.1, sequenceCaps: [Int] = defaultSequenceCaps,
        granularity: Int = 16, maximumTokenBudget: Int = 65536
    ) -> Recommendation {
        precondition(granularity >= 1 && maximumTokenBudget >= granularity, "granularity ≥ 1")
        let limit = slaMs * (1 - safetyMargin)
        var candidates: [Candidate] = []
        for n in sequenceCaps where n >= 2 {
            guard let m = tokenBudget(sequences: n, limitMs: limit, granularity: granularity, maximum: maximumTokenBudget, parameters: p),
                let sat = SteadyState.saturation(
                    parameters: p, stepLimitMs: limit, workload: workload, maximumTokens: Double(m),
                    maximumSequences: n)
            else { continue }
            let worst = max(p.latency(batchSize: 2, tokens: Double(m)), p.latency(batchSize: Double(n), tokens: Double(m)))
            let ttft = requestsPerSecond.flatMap { sat.timeToFirstToken(requestsPerSecond: $0, workload: workload) }
            candidates.append(
                Candidate(maxNumBatchedTokens: m, maxNumSeqs: n, worstStepMs: worst, saturation: sat, ttftMs: ttft.map { $0 * 1000 }))
        }
        var pool = candidates
        var missed = false
        if let target = ttftMs, requestsPerSecond != nil {
            let meeting = candidates.filter { ($0.ttftMs ?? .infinity) <= target }
            if meeting.isEmpty { missed = !candidates.isEmpty } else { pool = meeting }
        }
        var best: Candidate?
        for c in pool {
            guard let b = best else {
                best = c
                continue
            }
            let rate = c.saturation.requestsPerSecond
            let bestRate = b.saturation.requestsPerSecond
            if rate > bestRate * 1.001 || (rate >= bestRate * 0.999 && c.maxNumSeqs < b.maxNumSeqs) {
                best = c
            }
        }
        return Recommendation(best: best, candidates: candidates, stepLimitMs: limit, ttftTargetMissed: missed)
    }

    /// `M(N)`: the largest multiple of `granularity`, `N ≤ M ≤ maximum`, with `T(2, M) ≤ L` and `T(N, M) ≤ L`; nil
    /// when there is none.
    public static func tokenBudget(
        sequences n: Int, limitMs limit: Double, granularity: Int, maximum: Int, parameters p: LatencyParameters
    ) -> Int? {
        let range = 1.0...Double(maximum)
        guard let atTwo = SLAInverse.feasibleTokens(batchSize: 2, targetMs: limit, tokens: range, parameters: p),
            let atN = SLAInverse.feasibleTokens(batchSize: Double(n), targetMs: limit, tokens: range, parameters: p)
        else { return nil }
        let upper = min(atTwo.upperBound, atN.upperBound)
        var m = Int((upper / Double(granularity)).rounded(.down)) * granularity
        // The root may sit a hair above the true one: step down until both ends check out.
        while m >= max(n, granularity)
            && (p.latency(batchSize: 2, tokens: Double(m)) > limit || p.latency(batchSize: Double(n), tokens: Double(m)) > limit)
        {
            m -= granularity
        }
        return m >= max(n, granularity) ? m : nil
    }
}
