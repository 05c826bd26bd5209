import SaturnNumerics

/// A continuous-batching engine in the manner of vLLM v1, driven by a request trace and timed by a
/// ``StepTruth``.
///
/// Every step: requests that have arrived join the waiting queue; if the decodes' growth (one KV token per
/// decoding request) does not fit in the KV cache, the most recently admitted running request is preempted
/// (its KV released, its prompt and generated tokens to be recomputed, back to the head of the queue) until it
/// fits; the policy fills a ``StepPlan``; the engine runs it: a request whose prompt is completed emits a token
/// (its first token sets the TTFT), each decoding request emits one token, the step takes the truth's noisy
/// latency, and finished requests release their KV. A request reserves its whole prompt in the KV cache at
/// admission. With nothing running and nothing waiting, the clock jumps to the next arrival.
///
/// ```swift
/// var engine = ServingEngine(trace: trace, truth: truth, kvCapacity: 450_000, seed: 1)
/// var policy = StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64)
/// let run = try engine.run(&policy)
/// let metrics = RunMetrics(run, slaMs: 80, ttftMs: 2000)
/// ```
public struct ServingEngine: Sendable {
    public let trace: RequestTrace
    public let truth: StepTruth
    public let kvCapacity: Int
    public let seed: UInt64

    /// - Parameters:
    ///   - kvCapacity: KV-cache capacity in tokens (see ``KVCacheCapacity``).
    ///   - seed: seed of the truth's noise.
    public init(trace: RequestTrace, truth: StepTruth, kvCapacity: Int, seed: UInt64 = 1) {
        self.trace = trace
        self.truth = truth
        self.kvCapacity = kvCapacity
        self.seed = seed
    }

    /// Runs the whole trace under `policy` until every request has finished or been dropped.
    /// - Throws: what the policy throws.
    public func run(_ policy: inout some SchedulingPolicy) throws -> SimulationRun {
        var state = EngineState(
            requests: trace.requests.map {
                EngineState.Request(arrival: $0.arrival, inputTokens: $0.inputTokens, outputTokens: $0.outputTokens,
                                    promptTokens: $0.inputTokens)
            }, kvCapacity: kvCapacity)
        var rng = SplitMix64(seed: seed)
        var plan = StepPlan()
        var latencies: [Double] = []
        latencies.reserveCapacity(trace.requests.count * 8)
        var nextArrival = 0
        var finished = 0
        var queueIntegral = 0.0
        var peak = 0
        var preemptions = 0
        var violations = 0
        var stalled = 0
        var tokensComputed = 0
        var marks: [UInt8] = []
        var idleTicks = 0
        let n = state.requests.count
        var end = 0.0

        while finished < n {
            // Arrivals.
            while nextArrival < n && state.requests[nextArrival].arrival <= state.clock {
                if state.requests[nextArrival].inputTokens + 1 > kvCapacity {
                    state.requests[nextArrival].dropped = true
                    finished += 1
                } else {
                    state.waitingStorage.append(nextArrival)
                }
                nextArrival += 1
            }
            if state.running.isEmpty && state.waitingCount == 0 {
                guard nextArrival < n else { break }
                state.clock = max(state.clock, state.requests[nextArrival].arrival)
                continue
            }
            // Preempt (recompute) until the decodes' growth fits.
            while state.kvNeededByDecodes > state.kvFree, let victim = state.running.popLast() {
                state.kvUsed -= state.requests[victim].heldTokens
                var r = state.requests[victim]
                r.promptTokens = r.inputTokens + r.generated
                r.prefilled = 0
                r.decoded = 0
                r.preemptions += 1
                state.requests[victim] = r
                preemptions += 1
                if state.waitingHead > 0 {
                    state.waitingHead -= 1
                    state.waitingStorage[state.waitingHead] = victim
                } else {
                    state.waitingStorage.insert(victim, at: 0)
                }
            }

            plan.reset(running: state.running.count)
            try policy.plan(state, into: &plan)

            // Check and apply the plan.
            var shape = StepShape()
            var kvFree = state.kvFree - state.kvNeededByDecodes
            let runningBefore = state.running.count
            if plan.runningTokens.count != runningBefore {
                violations += abs(plan.runningTokens.count - runningBefore)
                plan.runningTokens.removeAll(keepingCapacity: true)
                for _ in 0..<runningBefore { plan.runningTokens.append(0) }
            }
            for (k, r) in state.running.enumerated() {
                var t = plan.runningTokens[k]
                let req = state.requests[r]
                let cap = req.isDecoding ? 1 : req.remainingPrefill
                if t < 0 || t > cap {
                    violations += 1
                    t = min(max(t, 0), cap)
                    plan.runningTokens[k] = t
                }
                if t == 0 { continue }
                if req.isDecoding {
                    shape.decodeRequests += 1
                    shape.decodeContextTokens += req.contextTokens
                } else {
                    shape.prefillRequests += 1
                    shape.prefillTokens += t
                    if req.prefilled > 0 {
                        shape.prefillPriorTokens += req.prefilled
                        shape.prefillContextCostMs += truth.priorContextCostMs(chunk: t, prior: req.prefilled)
                    }
                }
            }
            let waitingCount = state.waitingCount
            if !plan.admissions.isEmpty || !plan.drops.isEmpty {
                // marks[o]: 0 untouched, 1 dropped, 2 admitted.
                if marks.count < waitingCount { marks = [UInt8](repeating: 0, count: max(waitingCount, 2 * marks.count)) }
                for d in plan.drops {
                    guard d >= 0, d < waitingCount, marks[d] == 0 else { violations += 1; continue }
                    marks[d] = 1
                }
                for a in plan.admissions {
                    guard a.offset >= 0, a.offset < waitingCount, marks[a.offset] == 0 else {
                        violations += 1
                        continue
                    }
                    let r = state.waiting(a.offset)
                    let req = state.requests[r]
                    guard a.tokens >= 1, a.tokens <= req.promptTokens, req.promptTokens + 1 <= kvFree else {
                        violations += 1
                        continue
                    }
                    marks[a.offset] = 2
                    kvFree -= req.promptTokens
                    state.kvUsed += req.promptTokens
                    state.running.append(r)
                    plan.runningTokens.append(a.tokens)
                    shape.prefillRequests += 1
                    shape.prefillTokens += a.tokens
                    if req.prefilled > 0 {
                        shape.prefillPriorTokens += req.prefilled
                        shape.prefillContextCostMs += truth.priorContextCostMs(chunk: a.tokens, prior: req.prefilled)
                    }
                }
                // Compact the queue up to its last marked entry (moving the entries before it towards the tail and
                // the head forward), keeping its order; dropped requests finish unserved.
                var last = -1
                for a in plan.admissions where a.offset >= 0 && a.offset < waitingCount { last = max(last, a.offset) }
                for d in plan.drops where d >= 0 && d < waitingCount { last = max(last, d) }
                var write = state.waitingHead + last
                var o = last
                while o >= 0 {
                    let r = state.waitingStorage[state.waitingHead + o]
                    switch marks[o] {
                    case 0:
                        state.waitingStorage[write] = r
                        write -= 1
                    case 1:
                        state.requests[r].dropped = true
                        state.requests[r].completion = state.clock
                        finished += 1
                    default: break
                    }
                    marks[o] = 0
                    o -= 1
                }
                state.waitingHead = write + 1
                if state.waitingHead > 4096 && state.waitingHead * 2 > state.waitingStorage.count {
                    state.waitingStorage.removeSubrange(0..<state.waitingHead)
                    state.waitingHead = 0
                }
            }

            guard shape.prefillTokens + shape.decodeRequests > 0 else {
                if nextArrival < n {
                    // Idle until the next arrival (time-weighted queue counted).
                    let next = max(state.clock, state.requests[nextArrival].arrival)
                    queueIntegral += Double(state.waitingCount) * (next - state.clock)
                    state.clock = next
                    continue
                }
                if state.running.isEmpty {
                    // Stalled: nothing runs and nothing will arrive.
                    for o in 0..<state.waitingCount {
                        let r = state.waiting(o)
                        state.requests[r].dropped = true
                        state.requests[r].completion = state.clock
                        finished += 1
                        stalled += 1
                    }
                    state.waitingStorage.removeAll()
                    state.waitingHead = 0
                    continue
                }
                // Running requests skipped with nothing to arrive: time passes by 1 ms; a policy that keeps
                // skipping for 10,000 ticks has stalled and its requests are dropped.
                queueIntegral += Double(state.waitingCount) * 0.001
                state.clock += 0.001
                idleTicks += 1
                if idleTicks > 10_000 {
                    for r in state.running + (state.waitingHead..<state.waitingStorage.count).map({ state.waitingStorage[$0] }) {
                        state.requests[r].dropped = true
                        state.requests[r].completion = state.clock
                        finished += 1
                        stalled += 1
                    }
                    state.running.removeAll()
                    state.waitingStorage.removeAll()
                    state.waitingHead = 0
                    state.kvUsed = 0
                }
                continue
            }
            idleTicks = 0

            let latency = truth.sample(shape, using: &rng)
            queueIntegral += Double(state.waitingCount) * latency / 1000
            state.clock += latency / 1000
            latencies.append(latency)
            tokensComputed += shape.prefillTokens + shape.decodeRequests
            let now = state.clock

            // Progress, tokens, completions (compacting the running list in order).
            var write = 0
            for k in 0..<state.running.count {
                let r = state.running[k]
                let t = plan.runningTokens[k]
                var req = state.requests[r]
                if t > 0 {
                    var emits = false
                    if req.isDecoding {
                        req.decoded += 1
                        state.kvUsed += 1
                        emits = true
                    } else {
                        req.prefilled += t
                        emits = req.prefilled == req.promptTokens
                    }
                    if emits {
                        req.generated += 1
                        if req.firstTokenTime < 0 {
                            req.firstTokenTime = now
                        } else {
                            req.maximumGap = max(req.maximumGap, now - req.lastTokenTime)
                        }
                        req.lastTokenTime = now
                    }
                }
                if req.generated >= req.outputTokens {
                    req.completion = now
                    state.kvUsed -= req.heldTokens
                    finished += 1
                    state.requests[r] = req
                    continue
                }
                state.requests[r] = req
                state.running[write] = r
                write += 1
            }
            state.running.removeSubrange(write...)
            peak = max(peak, state.kvUsed)
            end = now
            try policy.observe(
                StepRecord(batchSize: shape.batchSize, tokens: shape.tokens, kvContextTokens: shape.kvContextTokens,
                           prefillTokens: shape.prefillTokens, decodeRequests: shape.decodeRequests,
                           latencyMs: latency, endTime: now))
        }
        end = max(end, state.clock)
        return SimulationRun(
            policy: policy.name, requests: state.requests, stepLatenciesMs: latencies,
            totalTokensComputed: tokensComputed, start: 0, end: end, queueIntegral: queueIntegral, peakKVUsed: peak,
            kvCapacity: kvCapacity, preemptions: preemptions, planViolations: violations, stalled: stalled)
    }
}
