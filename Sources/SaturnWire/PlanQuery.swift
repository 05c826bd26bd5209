import SaturnModel

/// A planning query (request 18): replicas for a request rate, and a static budget for an engine without the agent.
public struct PlanQuery: Sendable, Hashable {
    /// The key whose parameters answer.
    public var key: ModelKey
    /// Step-latency SLA (ms, > 0).
    public var slaMs: Double
    /// TTFT target at the workload's quantile (ms), nil for none.
    public var ttftMs: Double?
    /// Requests/s to plan for (≥ 0).
    public var rate: Double
    /// Request lengths.
    public var workload: Workload
    /// The margin; nil: 0 for the replica plan and ``StaticBudget``'s default 0.1 for the budget.
    public var margin: SafetyMarginSpec?
    /// Fraction of a replica's saturated rate it may be planned for (`(0, 1]`).
    public var utilisationCap: Double
    /// Candidate `max_num_seqs` values.
    public var sequenceCaps: [Int]
    /// Token budgets are multiples of this.
    public var tokenGranularity: Int

    /// Memberwise initialiser (not validated).
    public init(
        key: ModelKey, slaMs: Double, ttftMs: Double? = nil, rate: Double, workload: Workload,
        margin: SafetyMarginSpec? = nil, utilisationCap: Double = 0.9,
        sequenceCaps: [Int] = StaticBudget.defaultSequenceCaps, tokenGranularity: Int = 16
    ) {
        self.key = key
        self.slaMs = slaMs
        self.ttftMs = ttftMs
        self.rate = rate
        self.workload = workload
        self.margin = margin
        self.utilisationCap = utilisationCap
        self.sequenceCaps = sequenceCaps
        self.tokenGranularity = tokenGranularity
    }

    /// From the wire, validated.
    /// - Throws: ``QueryError`` with code ``QueryError/Code/invalidArgument`` naming the field.
    public init(validating p: Saturn_V1_PlanRequest) throws(QueryError) {
        typealias V = DecisionValidation
        key = try V.key(model: p.model, hardware: p.hardware)
        slaMs = try V.sla(p.slaMs, field: "sla_ms")
        ttftMs = p.ttftMs == 0 ? nil : try V.sla(p.ttftMs, field: "ttft_ms")
        rate = try V.number(p.rate, field: "rate", in: 0...WireLimits.maximumRequestRate)
        let mean = try V.number(p.meanPromptTokens, field: "mean_prompt_tokens", in: 1e-9...WireLimits.maximumTokens)
        let sd = try V.number(p.promptTokensSd, field: "prompt_tokens_sd", in: 0...WireLimits.maximumTokens)
        let pq = try V.number(p.promptTokensAtQuantile, field: "prompt_tokens_at_quantile", in: 1...WireLimits.maximumTokens)
        let q = p.quantile == 0 ? 0.99 : p.quantile
        guard q.isFinite, q > 0, q < 1 else { throw V.invalid("quantile must be in (0, 1), got \(p.quantile)") }
        let output = try V.number(p.meanOutputTokens, field: "mean_output_tokens", in: 1...WireLimits.maximumTokens)
        workload = Workload(
            meanPromptTokens: mean, promptTokensStandardDeviation: sd, promptTokensAtQuantile: pq, quantile: q,
            meanOutputTokens: output)
        margin = p.hasMargin ? try SafetyMarginSpec(validating: p.margin) : nil
        utilisationCap = p.utilisationCap == 0 ? 0.9 : p.utilisationCap
        guard utilisationCap.isFinite, utilisationCap >= 0.01, utilisationCap <= 1 else {
            throw V.invalid("utilisation_cap must be in [0.01, 1] (0: 0.9), got \(p.utilisationCap)")
        }
        guard p.sequenceCaps.count <= 64 else { throw V.invalid("sequence_caps has more than 64 entries") }
        for (i, n) in p.sequenceCaps.enumerated() where n < 2 || Double(n) > WireLimits.maximumBatchSize {
            throw V.invalid("sequence_caps[\(i)] must be in [2, 1e6], got \(n)")
        }
        sequenceCaps = p.sequenceCaps.isEmpty ? StaticBudget.defaultSequenceCaps : p.sequenceCaps.map { Int($0) }
        tokenGranularity = p.tokenGranularity == 0 ? 16 : Int(p.tokenGranularity)
        guard tokenGranularity <= 65536 else { throw V.invalid("token_granularity must be <= 65536") }
    }

    /// To the wire.
    public var proto: Saturn_V1_PlanRequest {
        var p = Saturn_V1_PlanRequest()
        p.model = key.model
        p.hardware = key.hardware
        p.slaMs = slaMs
        p.ttftMs = ttftMs ?? 0
        p.rate = rate
        p.meanPromptTokens = workload.meanPromptTokens
        p.promptTokensSd = max(0, workload.promptTokensSecondMoment - workload.meanPromptTokens * workload.meanPromptTokens).squareRoot()
        p.promptTokensAtQuantile = workload.promptTokensAtQuantile
        p.quantile = workload.quantile
        p.meanOutputTokens = workload.meanOutputTokens
        if let margin { p.margin = margin.proto }
        p.utilisationCap = utilisationCap
        p.sequenceCaps = sequenceCaps.map { UInt32(clamping: $0) }
        p.tokenGranularity = UInt32(clamping: tokenGranularity)
        return p
    }

    /// The plan with `parameters`: ``CapacityPlan/replicas(rate:workload:slaMs:ttftMs:safetyMargin:utilisationCap:maximumTokens:maximumSequences:parameters:)``
    /// and ``StaticBudget/recommend(parameters:slaMs:workload:requestsPerSecond:ttftMs:safetyMargin:sequenceCaps:granularity:maximumTokenBudget:)``
    /// at the per-replica load of the plan (or `rate` when the plan is infeasible).
    public func answer(parameters: LatencyParameters, p95RelativeError: Double) -> PlanAnswer {
        let m = margin?.resolved(p95RelativeError: p95RelativeError)
        let plan = CapacityPlan.replicas(
            rate: rate, workload: workload, slaMs: slaMs, ttftMs: ttftMs, safetyMargin: m ?? 0,
            utilisationCap: utilisationCap, parameters: parameters)
        let perReplica = plan.replicas.map { $0 > 0 ? rate / Double($0) : 0 } ?? rate
        let budget = StaticBudget.recommend(
            parameters: parameters, slaMs: slaMs, workload: workload, requestsPerSecond: perReplica, ttftMs: ttftMs,
            safetyMargin: m ?? 0.1, sequenceCaps: sequenceCaps, granularity: tokenGranularity)
        return PlanAnswer(plan: plan, budget: budget, safetyMargin: m ?? 0)
    }
}
