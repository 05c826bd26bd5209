import SaturnModel

/// The answer to a ``PlanQuery``: the replica plan and the static budget, as the wire and `saturn plan` show them.
public struct PlanAnswer: Sendable, Hashable {
    /// Replicas needed (nil when infeasible).
    public var replicas: Int?
    /// Requests/s each replica is planned for.
    public var perReplicaRequestsPerSecond: Double
    /// The saturated step of one replica (nil when no step meets the SLA).
    public var saturation: SteadyState?
    /// Predicted TTFT at the planned load (ms).
    public var ttftMs: Double?
    /// "step_sla" or "ttft" when infeasible.
    public var infeasibility: String?
    /// `sla (1 − m)` of the replica plan (ms).
    public var stepLimitMs: Double
    /// The margin of the replica plan.
    public var safetyMargin: Double
    /// The static budget, nil when none keeps full steps within the SLA.
    public var budget: Budget?

    /// A recommended static budget.
    public struct Budget: Sendable, Hashable {
        /// `max_num_batched_tokens`.
        public var maxNumBatchedTokens: Int
        /// `max_num_seqs`.
        public var maxNumSeqs: Int
        /// The slowest full step (ms).
        public var worstStepMs: Double
        /// Saturated requests/s per replica with this budget.
        public var saturationRequestsPerSecond: Double
        /// Predicted TTFT at the planned per-replica load (ms).
        public var ttftMs: Double?
        /// True when a TTFT target was given and no candidate met it.
        public var ttftTargetMissed: Bool

        /// Memberwise initialiser.
        public init(
            maxNumBatchedTokens: Int, maxNumSeqs: Int, worstStepMs: Double, saturationRequestsPerSecond: Double,
            ttftMs: Double?, ttftTargetMissed: Bool
        ) {
            self.maxNumBatchedTokens = maxNumBatchedTokens
            self.maxNumSeqs = maxNumSeqs
            self.worstStepMs = worstStepMs
            self.saturationRequestsPerSecond = saturationRequestsPerSecond
            self.ttftMs = ttftMs
            self.ttftTargetMissed = ttftTargetMissed
        }
    }

    /// Memberwise initialiser.
    public init(
        replicas: Int?, perReplicaRequestsPerSecond: Double, saturation: SteadyState?, ttftMs: Double?,
        infeasibility: String?, stepLimitMs: Double, safetyMargin: Double, budget: Budget?
    ) {
        self.replicas = replicas
        self.perReplicaRequestsPerSecond = perReplicaRequestsPerSecond
        self.saturation = saturation
        self.ttftMs = ttftMs
        self.infeasibility = infeasibility
        self.stepLimitMs = stepLimitMs
        self.safetyMargin = safetyMargin
        self.budget = budget
    }

    /// From the model's answers.
    public init(
        plan: CapacityPlan.Result, budget: StaticBudget.Recommendation, safetyMargin: Double
    ) {
        self.init(
            replicas: plan.replicas, perReplicaRequestsPerSecond: plan.perReplicaRequestsPerSecond,
            saturation: plan.saturation, ttftMs: plan.ttftMs, infeasibility: plan.infeasibility?.rawValue,
            stepLimitMs: plan.stepLimitMs, safetyMargin: safetyMargin,
            budget: budget.best.map {
                Budget(
                    maxNumBatchedTokens: $0.maxNumBatchedTokens, maxNumSeqs: $0.maxNumSeqs, worstStepMs: $0.worstStepMs,
                    saturationRequestsPerSecond: $0.saturation.requestsPerSecond, ttftMs: $0.ttftMs,
                    ttftTargetMissed: budget.ttftTargetMissed)
            })
    }

    /// From the wire (the saturated step's fields the wire carries; its limit is reported as latency-bound).
    public init(_ p: Saturn_V1_PlanReply) {
        let saturation: SteadyState? =
            p.saturationRequestsPerSecond > 0
            ? SteadyState(
                batchSize: p.saturationBatchSize, tokens: p.saturationTokens, stepMs: p.saturationStepMs,
                requestsPerSecond: p.saturationRequestsPerSecond, decodeTokens: 0, prefillTokens: 0, limitedBy: .latency)
            : nil
        let b = p.staticBudget
        self.init(
            replicas: p.feasible ? Int(p.replicas) : nil, perReplicaRequestsPerSecond: p.perReplicaRequestsPerSecond,
            saturation: saturation, ttftMs: p.hasTtftMs ? p.ttftMs : nil,
            infeasibility: p.infeasibility.isEmpty ? nil : p.infeasibility, stepLimitMs: p.stepLimitMs,
            safetyMargin: p.safetyMargin,
            budget: b.found
                ? Budget(
                    maxNumBatchedTokens: Int(b.maxNumBatchedTokens), maxNumSeqs: Int(b.maxNumSeqs),
                    worstStepMs: b.worstStepMs, saturationRequestsPerSecond: b.saturationRequestsPerSecond,
                    ttftMs: b.hasTtftMs ? b.ttftMs : nil, ttftTargetMissed: b.ttftTargetMissed) : nil)
    }

    /// Writes the answer into a reply (the basis is set by the caller).
    public func write(to p: inout Saturn_V1_PlanReply) {
        if let replicas {
            p.feasible = true
            p.replicas = UInt32(clamping: replicas)
        }
        p.perReplicaRequestsPerSecond = perReplicaRequestsPerSecond
        if let s = saturation {
            p.saturationRequestsPerSecond = s.requestsPerSecond
            p.saturationStepMs = s.stepMs
            p.saturationTokens = s.tokens
            p.saturationBatchSize = s.batchSize
        }
        if let t = ttftMs { p.ttftMs = t }
        p.infeasibility = infeasibility ?? ""
        p.stepLimitMs = stepLimitMs
        p.safetyMargin = safetyMargin
        if let b = budget {
            var a = Saturn_V1_StaticBudgetAnswer()
            a.found = true
            a.maxNumBatchedTokens = UInt32(clamping: b.maxNumBatchedTokens)
            a.maxNumSeqs = UInt32(clamping: b.maxNumSeqs)
            a.worstStepMs = b.worstStepMs
            a.saturationRequestsPerSecond = b.saturationRequestsPerSecond
            if let t = b.ttftMs { a.ttftMs = t }
            a.ttftTargetMissed = b.ttftTargetMissed
            p.staticBudget = a
        }
    }
}
