import SaturnNumerics

/// What ``Allocation`` decided for the next step.
public struct AllocationDecision: Sendable, Hashable {
    /// Why the filling stopped.
    public enum StopReason: String, Sendable, Hashable, CaseIterable {
        /// No tenant had a waiting request.
        case noWaiting = "no_waiting"
        /// Every waiting request of every tenant was admitted.
        case allAdmitted = "all_admitted"
        /// Every tenant with requests left is at its quota.
        case quotaReached = "quota_reached"
        /// Some tenant with quota and requests left has no request that fits the SLA.
        case slaBound = "sla_bound"
        /// The concurrency cap was reached with requests left.
        case batchSizeLimit = "batch_size_limit"
    }

    /// One admission.
    public struct Admitted: Sendable, Hashable {
        /// Index of the tenant in the query's tenant list.
        public var tenantIndex: Int
        /// Index of the request in that tenant's `waiting` list.
        public var waitingIndex: Int
        /// The request's id.
        public var id: UInt64
        /// Tokens it adds to the step.
        public var tokens: Double

        /// Memberwise initialiser.
        public init(tenantIndex: Int, waitingIndex: Int, id: UInt64, tokens: Double) {
            self.tenantIndex = tenantIndex
            self.waitingIndex = waitingIndex
            self.id = id
            self.tokens = tokens
        }
    }

    /// Every admission, in the order the progressive filling made them.
    public var admitted: [Admitted]
    /// Admissions per tenant (tenant order).
    public var admittedCounts: [Int]
    /// `T(B₀, S₀)` of the running batch (ms), nil when nothing runs.
    public var currentLatencyMs: Double?
    /// `T` of the step with the admissions (ms), nil when nothing runs and nothing was admitted.
    public var predictedLatencyMs: Double?
    /// `sla · (1 − margin)` (ms).
    public var effectiveSLAMs: Double
    /// Why the filling stopped.
    public var stopReason: StopReason
    /// Jain's index of `admittedᵢ / weightᵢ` over the tenants that had waiting requests
    /// (``Fairness/jainIndex(_:)``); nil when nothing was admitted. A tenant held below others by its quota or its
    /// own lack of requests lowers it without being treated unfairly.
    public var jainIndex: Double?

    /// Memberwise initialiser.
    public init(
        admitted: [Admitted], admittedCounts: [Int], currentLatencyMs: Double?, predictedLatencyMs: Double?,
        effectiveSLAMs: Double, stopReason: StopReason, jainIndex: Double?
    ) {
        self.admitted = admitted
        self.admittedCounts = admittedCounts
        self.currentLatencyMs = currentLatencyMs
        self.predictedLatencyMs = predictedLatencyMs
        self.effectiveSLAMs = effectiveSLAMs
        self.stopReason = stopReason
        self.jainIndex = jainIndex
    }

    /// The admissions of one tenant, in admission order.
    public func admitted(tenant index: Int) -> [Admitted] { admitted.filter { $0.tenantIndex == index } }
}
