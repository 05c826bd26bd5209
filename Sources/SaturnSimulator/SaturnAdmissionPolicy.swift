import Foundation
import SaturnModel
import SaturnNumerics

/// Saturn's admission as an engine policy: every step, the decodes run, then continuing prompt chunks and
/// waiting requests join by ``Admission`` against the latency model while the predicted step stays within the
/// SLA less a margin, with a concurrency cap; both derived from the model and its live error, never tuned per
/// scenario.
///
/// Each step, with `p` the parameters in use and `T̂ = p.latency`:
/// - **Validation.** A parameter set offered by the oracle replaces the one in use only if its mean absolute log
///   error `|ln(T̂ / T)|` over the last ``SaturnPolicyConfiguration/validationWindow`` steps and a uniform sample
///   (reservoir, as many) of all earlier steps is no larger (checked when the offer changes, and again every
///   `validationWindow` steps; the first offer is used as is). An online fit on a recent window without variety
///   (a burst of decode-only steps) can fit it and extrapolate absurdly in S; the older steps catch it.
/// - **Limit.** Over the last ``SaturnPolicyConfiguration/errorWindow`` *binding* steps (predicted or measured at
///   least ``SaturnPolicyConfiguration/bindingFraction`` of the SLA: the steps the SLA constrains), `u` = the largest
///   relative error `T / T̂ - 1` of a step as executed against the prediction made for it (clamped to
///   `[-0.5, 1]`); admissions keep `T̂ <= L = sla / (1 + u)`: a limit that would have kept every recent binding
///   step within the SLA. `u > 0` (the model under-predicts) is a safety margin `m = u / (1 + u)`
///   (``AdmissionOptions/safetyMargin(p95RelativeError:multiplier:)``); `u < 0` (it over-predicts everywhere
///   that mattered) lets `L` exceed the SLA, so a pessimistic model does not starve the queue. The largest, not a
///   percentile: a step over the SLA breaks a token gap of every running request, and a request is good only if
///   all of its gaps hold, so steps over the SLA must be rarer than one in a few thousand. Until
///   ``SaturnPolicyConfiguration/warmUpSteps`` binding steps have been seen, `L = sla (1 - w)`,
///   `w` = ``SaturnPolicyConfiguration/warmUpMargin``.
/// - **Cap.** The largest B with `T̂(B, B + c) <= L`, `c` = ``SaturnPolicyConfiguration/minimumChunkTokens``: the
///   running set may grow only while a step of all its decodes plus one minimal chunk still fits, so decodes can
///   never crowd prompts out (and running requests, which must decode every step, stay within the SLA when their
///   prompts are done). The model is not trusted far beyond the batch sizes it has seen: the cap is also at most
///   `G + max(g, G / 8)`, `G` the largest B of a step so far that met the SLA, `g` =
///   ``SaturnPolicyConfiguration/capGrowthMinimum``. Likewise for tokens: the admitted chunks are cut so that the
///   step has at most `G_S + max(c, G_S / 8)` tokens, `G_S` the largest S of a step so far that met the SLA (an
///   agent that never sees a step longer than its telemetry window cannot learn how slow it is).
/// - **Decision.** Every decoding request decodes (one token each); candidates are the running requests with
///   prompt left (in admission order, first), then up to ``SaturnPolicyConfiguration/candidateWindow`` waiting requests whose
///   prompt fits in the free KV cache, in the configured ``SaturnPolicyConfiguration/Ordering``; ``Admission`` (greedy rule, prefill
///   chunking with chunks of at least `c` tokens) decides with margin `m` and cap `B_decodes + continuing +
///   max(0, cap - running)`. If nothing would run, the first candidate gets a chunk of `c` tokens (progress).
/// - **Lost TTFT** (``SaturnPolicyConfiguration/LostRequests``). A waiting request is lost when
///   `waited + ceil(prompt / s*) * min(L, sla) > ttft` (steps take at most the SLA),
///   where `s*` is the largest chunk with `T̂(D + 1, D + s*) <= L` next to the current `D` decodes: it cannot meet
///   its TTFT even if served from now on. `.keep` ignores this; `.defer` offers lost requests after all others;
///   `.drop` removes them from the queue unserved.
public struct SaturnAdmissionPolicy<Oracle: AdmissionOracle>: SchedulingPolicy {
    public let name: String
    public let configuration: SaturnPolicyConfiguration
    public var oracle: Oracle
    /// Margin `1 - L / sla` (negative when the limit exceeds the SLA) and cap of the latest step (for reports).
    public private(set) var lastMargin = 0.0
    public private(set) var lastCap = 0
    /// How often each ``AdmissionStopReason`` ended a decision, by raw value (for reports).
    public private(set) var stopReasons: [String: Int] = [:]
    /// Decisions that admitted nothing while candidates waited.
    public private(set) var emptyDecisions = 0
    /// Steps seen.
    public private(set) var steps = 0
    private var errors: [Double] = []
    private var recent: [(b: Double, s: Double, t: Double)] = []
    private var recentNext = 0
    private var reservoir: [(b: Double, s: Double, t: Double)] = []
    private var sampler = SplitMix64(seed: 0x5A7)
    private var inUse: LatencyParameters?
    private var lastOffered: LatencyParameters?
    private var lastValidation = 0
    /// Parameter sets offered by the oracle that were adopted, and rejected (they predicted the recent steps worse
    /// than the set in use).
    public private(set) var adoptions = 0
    public private(set) var rejections = 0
    /// The largest B of a step so far that stayed within the SLA.
    public private(set) var largestGoodBatch = 0
    /// The largest S of a step so far that stayed within the SLA.
    public private(set) var largestGoodTokens = 0
    private var errorNext = 0
    private var predicted = 0.0
    private var candidates: [AdmissionCandidate] = []
    private var targets: [Int] = []
    private var lostFlags: [Bool] = []
    private var order: [Int] = []

    public init(name: String, oracle: Oracle, configuration: SaturnPolicyConfiguration) {
        self.name = name
        self.oracle = oracle
        self.configuration = configuration
        errors.reserveCapacity(configuration.errorWindow)
    }

    /// Quantiles (0.5, 0.99, 1) of the recent relative errors `T / T̂ - 1` of binding steps (for reports).
    public var recentUnderPrediction: (p50: Double, p99: Double, maximum: Double) {
        guard !errors.isEmpty else { return (0, 0, 0) }
        let sorted = errors.sorted()
        func q(_ f: Double) -> Double { sorted[min(sorted.count - 1, Int(f * Double(sorted.count - 1)))] }
        return (q(0.5), q(0.99), sorted[sorted.count - 1])
    }

    /// Mean absolute log ratio `|ln(T̂ / T)|` of `p` over the recent steps and a uniform sample of all earlier ones (symmetric: predicting half and
    /// predicting double score alike; a prediction <= 0 or not finite scores 1e9).
    func recentError(_ p: LatencyParameters) -> Double {
        guard !recent.isEmpty else { return .infinity }
        var sum = 0.0
        for r in recent + reservoir {
            let ratio = p.latency(batchSize: r.b, tokens: r.s) / r.t
            sum += ratio > 0 && ratio.isFinite ? abs(Foundation.log(ratio)) : 1e9
        }
        return sum / Double(recent.count + reservoir.count)
    }

    /// The parameters to use: the oracle's offer when it predicts the recent steps at least as well as those in
    /// use (checked when the offer changes and every ``SaturnPolicyConfiguration/validationWindow`` steps).
    mutating func validated(_ offered: LatencyParameters) -> LatencyParameters {
        guard let current = inUse else {
            inUse = offered
            lastOffered = offered
            return offered
        }
        if offered == current { return current }
        let due = steps - lastValidation >= configuration.validationWindow
        guard offered != lastOffered || due else { return current }
        lastOffered = offered
        lastValidation = steps
        if recent.count < configuration.validationMinimum || recentError(offered) <= recentError(current) {
            inUse = offered
            adoptions += 1
        } else {
            rejections += 1
        }
        return inUse!
    }

    /// The effective limit `L` (ms) from the live error (see the type's documentation).
    var limit: Double {
        guard errors.count >= configuration.warmUpSteps else {
            return configuration.slaMs * (1 - configuration.warmUpMargin)
        }
        var worst = -1.0
        for e in errors { worst = max(worst, e) }
        let u = min(max(worst, -0.5), 1)
        return configuration.slaMs / (1 + u)
    }

    /// The largest B in 1...4096 with `T̂(B, B + c) <= limit` (0 when even B = 1 does not fit).
    static func cap(_ p: LatencyParameters, limit: Double, chunk: Double) -> Int {
        func fits(_ b: Int) -> Bool { p.latency(batchSize: Double(b), tokens: Double(b) + chunk) <= limit }
        guard fits(1) else { return 0 }
        var lo = 1
        var hi = 4096
        if fits(hi) { return hi }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if fits(mid) { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// The largest chunk s in 1...1e6 with `T̂(d + 1, d + s) <= limit` (0 when none).
    static func chunkCapacity(_ p: LatencyParameters, decodes d: Int, limit: Double) -> Double {
        let b = Double(d + 1)
        func fits(_ s: Double) -> Bool { p.latency(batchSize: b, tokens: Double(d) + s) <= limit }
        guard fits(1) else { return 0 }
        var lo = 1.0
        var hi = 1e6
        if fits(hi) { return hi }
        while hi - lo > 1 {
            let mid = ((lo + hi) / 2).rounded(.down)
            if fits(mid) { lo = mid } else { hi = mid }
        }
        return lo
    }

    public mutating func plan(_ state: EngineState, into plan: inout StepPlan) throws {
        let p = validated(try oracle.parameters())
        let limit = self.limit
        let m = 1 - limit / configuration.slaMs
        let c = configuration.minimumChunkTokens
        let cap = min(Self.cap(p, limit: limit, chunk: c),
                      largestGoodBatch + max(configuration.capGrowthMinimum, largestGoodBatch / 8))
        lastMargin = m
        lastCap = cap

        // Decodes first, always.
        var decodes = 0
        var continuing = 0
        for (k, r) in state.running.enumerated() {
            if state.requests[r].isDecoding {
                plan.runningTokens[k] = 1
                decodes += 1
            } else {
                continuing += 1
            }
        }
        candidates.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        for (k, r) in state.running.enumerated() where !state.requests[r].isDecoding {
            candidates.append(AdmissionCandidate(id: UInt64(r), priority: -1, tokens: Double(state.requests[r].remainingPrefill)))
            targets.append(-1 - k)
        }

        // Waiting candidates: the head of the queue whose prompts fit in the KV cache.
        let window = min(state.waitingCount, configuration.candidateWindow)
        var kvLeft = state.kvFree - state.kvNeededByDecodes
        let sStar = configuration.lost == .keep ? 0 : Self.chunkCapacity(p, decodes: decodes, limit: limit)
        order.removeAll(keepingCapacity: true)
        lostFlags.removeAll(keepingCapacity: true)
        for o in 0..<window {
            let req = state.requests[state.waiting(o)]
            var lost = false
            if configuration.lost != .keep {
                let steps = sStar > 0 ? (Double(req.remainingPrefill) / sStar).rounded(.up) : .infinity
                lost = (state.clock - req.arrival) * 1000 + steps * min(limit, configuration.slaMs) > configuration.ttftMs
                    && req.firstTokenTime < 0
            }
            if lost && configuration.lost == .drop {
                plan.drops.append(o)
                lostFlags.append(true)
                continue
            }
            lostFlags.append(lost)
            order.append(o)
        }
        if configuration.ordering == .shortestPrompt {
            order.sort { a, b in
                let ra = state.requests[state.waiting(a)].remainingPrefill
                let rb = state.requests[state.waiting(b)].remainingPrefill
                return (ra, a) < (rb, b)
            }
        }
        if configuration.lost == .defer {
            // Stable: requests not lost keep their order, lost ones follow in theirs.
            let kept = order.filter { !lostFlags[$0] }
            let deferred = order.filter { lostFlags[$0] }
            order = kept + deferred
        }
        for o in order {
            let req = state.requests[state.waiting(o)]
            guard req.promptTokens + 1 <= kvLeft else { continue }
            kvLeft -= req.promptTokens
            candidates.append(AdmissionCandidate(id: UInt64(state.waiting(o)), priority: Double(candidates.count),
                                                 tokens: Double(req.promptTokens)))
            targets.append(o)
        }
        guard !candidates.isEmpty else {
            predicted = decodes > 0 ? p.latency(batchSize: Double(decodes), tokens: Double(decodes)) : 0
            return
        }
        // Continuing prompts are ordered first by their priority -1 and then by their position.
        for i in 0..<continuing { candidates[i].priority = -Double(continuing - i) }
        // The limit is passed as the SLA with no further margin (it may exceed the SLA when the model over-predicts).
        let options = AdmissionOptions(
            rule: .greedy, scanPastMisfit: false, minimumChunkTokens: c, safetyMargin: 0,
            maximumBatchSize: decodes + continuing + max(0, cap - state.running.count))
        let decision = try oracle.decide(runningCount: decodes, runningTokens: Double(decodes), waiting: candidates,
                                         slaMs: limit, options: options, parameters: p)
        stopReasons[decision.stopReason.rawValue, default: 0] += 1
        if decision.admitted.isEmpty { emptyDecisions += 1 }
        var batch = decodes
        var tokens = Double(decodes)
        // Trust region in S: no step larger than the largest that met the SLA, plus an eighth (at least c tokens).
        let tokenLimit = largestGoodTokens + max(Int(c), largestGoodTokens / 8)
        var tokenBudget = tokenLimit - decodes
        for a in decision.admitted where a.waitingIndex >= 0 && a.waitingIndex < targets.count {
            let t = min(Int(a.tokens), tokenBudget)
            guard t >= 1 else { break }
            tokenBudget -= t
            let target = targets[a.waitingIndex]
            if target < 0 {
                plan.runningTokens[-1 - target] = t
            } else {
                plan.admissions.append((target, t))
            }
            batch += 1
            tokens += Double(t)
        }
        if batch == 0 {
            // Progress: nothing would run, so the first candidate gets a minimal chunk.
            let t = Int(min(c, candidates[0].tokens))
            let target = targets[0]
            if target < 0 { plan.runningTokens[-1 - target] = t } else { plan.admissions.append((target, t)) }
            batch = 1
            tokens = Double(t)
        }
        predicted = p.latency(batchSize: Double(batch), tokens: tokens)
    }

    public mutating func observe(_ step: StepRecord) throws {
        steps += 1
        if step.latencyMs <= configuration.slaMs {
            largestGoodBatch = max(largestGoodBatch, step.batchSize)
            largestGoodTokens = max(largestGoodTokens, step.tokens)
        }
        let row = (Double(step.batchSize), Double(step.tokens), step.latencyMs)
        if recent.count < configuration.validationWindow {
            recent.append(row)
        } else {
            // The step leaving the recent window enters the reservoir (uniform sample of everything older).
            let leaving = recent[recentNext]
            recent[recentNext] = row
            recentNext = (recentNext + 1) % configuration.validationWindow
            let older = steps - configuration.validationWindow
            if reservoir.count < configuration.validationWindow {
                reservoir.append(leaving)
            } else {
                let j = Int(sampler.next() % UInt64(max(1, older)))
                if j < reservoir.count { reservoir[j] = leaving }
            }
        }
        if max(predicted, step.latencyMs) >= configuration.bindingFraction * configuration.slaMs && predicted > 0
            && predicted.isFinite
        {
            let e = step.latencyMs / predicted - 1
            if errors.count < configuration.errorWindow {
                errors.append(e)
            } else {
                errors[errorNext] = e
                errorNext = (errorNext + 1) % configuration.errorWindow
            }
        }
        try oracle.record(step)
    }
}
