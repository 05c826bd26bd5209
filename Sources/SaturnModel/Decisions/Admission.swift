/// Admission (DESIGN §6): which waiting requests join the next step so that its predicted latency stays within
/// the SLA.
///
/// The running batch is `B₀` requests adding `S₀` tokens to the next step. Candidates are visited by ascending
/// ``AdmissionCandidate/priority`` (stable: equal priorities keep their order in `waiting`; a NaN priority goes
/// last). With `L = sla · (1 − m)` the effective SLA (``AdmissionOptions/safetyMargin``), after `n` admissions
/// holding `Σt` tokens the step is `T(B₀ + n, S₀ + Σt)`:
///
/// - ``AdmissionRule/greedy`` (the design's rule, `admission.json`): if `B₀ > 0` and `T(B₀, S₀) > L`, admit
///   nothing (``AdmissionStopReason/currentOverSLA``). `B₀ = 0` skips this check (`T(0, ·)` divides by zero).
///   Then admit each candidate while `T ≤ L` after it joins; stop at the first that does not fit.
/// - ``AdmissionRule/bestEffort``: admit the longest run of consecutive candidates after which `T ≤ L`, even if
///   the step is over `L` before it or partway through it (see the rule's documentation).
/// - A candidate that does not fit is chunked (``AdmissionOptions/minimumChunkTokens``), skipped
///   (``AdmissionOptions/scanPastMisfit``), or ends the scan (``AdmissionStopReason/firstMisfit``).
/// - ``AdmissionOptions/maximumBatchSize`` caps `B₀ + n`.
///
/// Pure and deterministic; it allocates only the result (the priority order lives in a temporary stack buffer,
/// sorted only when the priorities are not already in order). Cost: one model evaluation per visited candidate
/// for `greedy`; for `bestEffort` one per candidate of each run searched (at most `n (n + 1) / 2` with
/// `scanPastMisfit`, `2n` without); a chunk adds two root solves.
///
/// ```swift
/// let d = Admission.decide(running: [1, 1, 1, 512], waiting: queue, slaMs: 80,
///                          options: .init(rule: .bestEffort, safetyMargin: 0.1, maximumBatchSize: 64),
///                          parameters: p)
/// for a in d.admitted { schedule(a.id, tokens: a.tokens) }
/// ```
public enum Admission {
    /// Decides the next step's admissions.
    ///
    /// - Parameters:
    ///   - running: Tokens each running request adds to the next step (1 for a decode); `B₀ = running.count`.
    ///   - waiting: The waiting requests, in arrival order.
    ///   - slaMs: The step-latency SLA (ms, > 0).
    ///   - options: Rule, margin, chunking, cap (the default is the design's greedy rule).
    ///   - parameters: The key's current latency parameters.
    /// - Returns: The admissions in admission order with the current and predicted step latency.
    /// - Precondition: `slaMs > 0` and finite; `0 ≤ safetyMargin < 1`; `minimumChunkTokens > 0` when set;
    ///   `maximumBatchSize ≥ 0` when set. (Requests arriving over the bus are validated before they get here.)
    public static func decide(
        running: [Double], waiting: [AdmissionCandidate], slaMs: Double, options: AdmissionOptions = .init(),
        parameters: LatencyParameters
    ) -> AdmissionDecision {
        var total = 0.0
        for t in running { total += t }
        return decide(
            runningCount: running.count, runningTokens: total, waiting: waiting, slaMs: slaMs, options: options,
            parameters: parameters)
    }

    /// ``decide(running:waiting:slaMs:options:parameters:)`` with the running batch given as its size `B₀` and
    /// token total `S₀`.
    public static func decide(
        runningCount: Int, runningTokens: Double, waiting: [AdmissionCandidate], slaMs: Double,
        options: AdmissionOptions = .init(), parameters: LatencyParameters
    ) -> AdmissionDecision {
        scan(
            runningCount: runningCount, runningTokens: runningTokens, waiting: waiting, slaMs: slaMs, options: options,
            parameters: parameters, observe: { _ in })
    }

    /// ``decide(running:waiting:slaMs:options:parameters:)`` that also returns every step configuration it
    /// evaluated, in evaluation order (for tests and explanations; it allocates the trace).
    public static func decideWithTrace(
        running: [Double], waiting: [AdmissionCandidate], slaMs: Double, options: AdmissionOptions = .init(),
        parameters: LatencyParameters
    ) -> (decision: AdmissionDecision, trace: [AdmissionTraceEntry]) {
        var trace: [AdmissionTraceEntry] = []
        var total = 0.0
        for t in running { total += t }
        let decision = scan(
            runningCount: running.count, runningTokens: total, waiting: waiting, slaMs: slaMs, options: options,
            parameters: parameters, observe: { trace.append($0) })
        return (decision, trace)
    }

    // MARK: - The scan

    @inline(__always)
    static func scan(
        runningCount b0: Int, runningTokens s0: Double, waiting: [AdmissionCandidate], slaMs: Double,
        options: AdmissionOptions, parameters p: LatencyParameters, observe: (AdmissionTraceEntry) -> Void
    ) -> AdmissionDecision {
        precondition(slaMs > 0 && slaMs.isFinite, "the SLA is a positive number of milliseconds")
        precondition(options.safetyMargin >= 0 && options.safetyMargin < 1, "the safety margin is in [0, 1)")
        precondition((options.minimumChunkTokens ?? 1) > 0, "the minimum chunk is > 0 tokens")
        precondition((options.maximumBatchSize ?? 0) >= 0 && b0 >= 0, "batch sizes are ≥ 0")
        var state = ScanState(
            batchSize: b0, tokens: s0, limit: options.effectiveSLA(slaMs), parameters: p,
            current: b0 > 0 ? p.latency(batchSize: Double(b0), tokens: s0) : nil)
        if options.rule == .greedy, let current = state.current, current > state.limit {
            return state.finish(.currentOverSLA)
        }
        if waiting.isEmpty { return state.finish(.noWaiting) }
        if let cap = options.maximumBatchSize, b0 >= cap { return state.finish(.batchSizeLimit) }
        let n = waiting.count
        // One allocation for the result: at most every candidate, or the room under the cap.
        state.admitted.reserveCapacity(min(n, options.maximumBatchSize.map { $0 - b0 } ?? n))
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: n) { buffer in
            PriorityOrder.fill(buffer, waiting: waiting)
            let order = UnsafeBufferPointer(buffer)
            let reason: AdmissionStopReason
            switch options.rule {
            case .greedy:
                reason = greedy(&state, order: order, waiting: waiting, options: options, observe: observe)
            case .bestEffort:
                reason = bestEffort(&state, order: order, waiting: waiting, options: options, observe: observe)
            }
            buffer.deinitialize()
            return state.finish(reason)
        }
    }

    /// The step being filled.
    struct ScanState {
        var batchSize: Int
        var tokens: Double
        let limit: Double
        let parameters: LatencyParameters
        let current: Double?
        var admitted: [AdmissionDecision.Admitted] = []

        init(batchSize: Int, tokens: Double, limit: Double, parameters: LatencyParameters, current: Double?) {
            self.batchSize = batchSize
            self.tokens = tokens
            self.limit = limit
            self.parameters = parameters
            self.current = current
        }

        @inline(__always)
        func latency(adding requests: Int, tokens extra: Double) -> Double {
            parameters.latency(batchSize: Double(batchSize + requests), tokens: tokens + extra)
        }

        mutating func admit(_ index: Int, _ c: AdmissionCandidate, tokens t: Double, isChunk: Bool = false) {
            admitted.append(.init(waitingIndex: index, id: c.id, tokens: t, isChunk: isChunk))
            batchSize += 1
            tokens += t
        }

        func finish(_ reason: AdmissionStopReason) -> AdmissionDecision {
            AdmissionDecision(
                admitted: admitted, currentLatencyMs: current,
                predictedLatencyMs: batchSize > 0 ? parameters.latency(batchSize: Double(batchSize), tokens: tokens) : nil,
                effectiveSLAMs: limit, stopReason: reason)
        }

        /// The largest whole-token prefix `c` of a request of `t` tokens with `minimum ≤ c < t` and
        /// `T(B + 1, S + c) ≤ L`, or nil.
        func chunk(of t: Double, minimum: Double?) -> Double? {
            guard let minimum, t > minimum, t.isFinite else { return nil }
            let b = Double(batchSize + 1)
            guard
                let feasible = SLAInverse.feasibleTokens(
                    batchSize: b, targetMs: limit, tokens: (tokens + minimum)...(tokens + t), parameters: parameters)
            else { return nil }
            var c = (feasible.upperBound - tokens).rounded(.down)
            if c >= t { c = t.rounded(.up) - 1 }
            for _ in 0..<2 {
                if c >= minimum && c < t && parameters.latency(batchSize: b, tokens: tokens + c) <= limit { return c }
                c -= 1
            }
            return nil
        }
    }

    static func greedy(
        _ state: inout ScanState, order: UnsafeBufferPointer<Int>, waiting: [AdmissionCandidate],
        options: AdmissionOptions, observe: (AdmissionTraceEntry) -> Void
    ) -> AdmissionStopReason {
        var misfits = 0
        for i in order {
            if let cap = options.maximumBatchSize, state.batchSize >= cap { return .batchSizeLimit }
            let c = waiting[i]
            let t = state.latency(adding: 1, tokens: c.tokens)
            let fits = t <= state.limit
            observe(.init(waitingIndex: i, batchSize: state.batchSize + 1, tokens: state.tokens + c.tokens, latencyMs: t, fits: fits))
            if fits {
                state.admit(i, c, tokens: c.tokens)
                continue
            }
            if let part = state.chunk(of: c.tokens, minimum: options.minimumChunkTokens) {
                state.admit(i, c, tokens: part, isChunk: true)
                return .chunked
            }
            guard options.scanPastMisfit else { return .firstMisfit }
            misfits += 1
        }
        return misfits > 0 ? .endOfQueue : .allAdmitted
    }

    static func bestEffort(
        _ state: inout ScanState, order: UnsafeBufferPointer<Int>, waiting: [AdmissionCandidate],
        options: AdmissionOptions, observe: (AdmissionTraceEntry) -> Void
    ) -> AdmissionStopReason {
        let n = order.count
        var position = 0
        var misfits = 0
        // After a run p…q is admitted, no run starting at q + 1 fits (q was the longest): skip that search.
        var knownMisfit = false
        while position < n {
            let capacityLeft = options.maximumBatchSize.map { $0 - state.batchSize } ?? Int.max
            if capacityLeft <= 0 { return .batchSizeLimit }
            let end = n - position <= capacityLeft ? n : position + capacityLeft
            if !knownMisfit {
                var last = -1
                var sum = 0.0
                for k in position..<end {
                    let i = order[k]
                    sum += waiting[i].tokens
                    let t = state.latency(adding: k - position + 1, tokens: sum)
                    let fits = t <= state.limit
                    observe(
                        .init(
                            waitingIndex: i, batchSize: state.batchSize + k - position + 1, tokens: state.tokens + sum,
                            latencyMs: t, fits: fits))
                    if fits { last = k }
                }
                if last >= 0 {
                    for k in position...last { state.admit(order[k], waiting[order[k]], tokens: waiting[order[k]].tokens) }
                    position = last + 1
                    // Every run from the new position up to the (same) cap-limited end was evaluated above.
                    knownMisfit = true
                    continue
                }
            }
            knownMisfit = false
            let i = order[position]
            if let part = state.chunk(of: waiting[i].tokens, minimum: options.minimumChunkTokens) {
                state.admit(i, waiting[i], tokens: part, isChunk: true)
                return .chunked
            }
            guard options.scanPastMisfit else {
                if state.admitted.isEmpty, let current = state.current, current > state.limit { return .currentOverSLA }
                return .firstMisfit
            }
            misfits += 1
            position += 1
        }
        return misfits > 0 ? .endOfQueue : .allAdmitted
    }
}
