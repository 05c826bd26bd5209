/// Capacity planning: how many replicas serve a request rate under a step-latency SLA and a TTFT target, from the
/// latency model (``SteadyState`` states the method and its assumptions).
///
/// Per replica, Saturn admission keeps steps within `L = sla (1 − m)`; the saturated step gives the largest rate a
/// replica sustains, `λ_max`. The rate a replica may be given is the largest `λ ≤ utilisationCap · λ_max` whose
/// `q`-quantile TTFT (``SteadyState/timeToFirstToken(requestsPerSecond:workload:)``) meets the target (found by
/// bisection: TTFT grows with `λ`); the plan is `⌈rate / λ⌉` replicas. Optional static budgets
/// (`maximumTokens`, `maximumSequences`) plan for an engine run with them instead.
///
/// ```swift
/// let plan = CapacityPlan.replicas(rate: 120, workload: w, slaMs: 80, ttftMs: 2000, parameters: p)
/// print(plan.replicas ?? "infeasible", plan.perReplicaRequestsPerSecond)
/// ```
public enum CapacityPlan {
    /// The plan.
    public struct Result: Sendable, Hashable {
        /// Replicas needed, nil when no load meets the targets.
        public var replicas: Int?
        /// The saturated step of one replica (nil when no step meets the SLA).
        public var saturation: SteadyState?
        /// Requests/s one replica is planned for (0 when infeasible).
        public var perReplicaRequestsPerSecond: Double
        /// The predicted TTFT at that load (ms), nil when infeasible.
        public var ttftMs: Double?
        /// The effective step limit `sla (1 − m)` (ms).
        public var stepLimitMs: Double
        /// Why no plan exists, when ``replicas`` is nil.
        public var infeasibility: Infeasibility?
    }

    /// Why a plan is impossible.
    public enum Infeasibility: String, Sendable, Hashable {
        /// No step of at least one token meets the step SLA.
        case stepSLA = "step_sla"
        /// Even an idle replica cannot prefill a `P_q` prompt within the TTFT target.
        case ttft
        /// The rate needs more than ``maximumReplicas`` replicas (a replica serves almost nothing at this SLA and
        /// workload, or the rate is absurd).
        case replicaCount = "replica_count"
    }

    /// The largest replica count a plan reports; beyond it the plan is infeasible (``Infeasibility/replicaCount``).
    public static let maximumReplicas = 1_000_000

    /// Plans replicas for `rate` requests/s.
    ///
    /// - Parameters:
    ///   - rate: Offered load (requests/s, ≥ 0).
    ///   - workload: Request lengths.
    ///   - slaMs: Step-latency SLA (ms, > 0).
    ///   - ttftMs: TTFT target at the workload's quantile (ms); nil: none.
    ///   - safetyMargin: `m ∈ [0, 1)`.
    ///   - utilisationCap: At most this fraction of `λ_max` per replica (`(0, 1]`, default 0.9: the queue grows
    ///     without bound as the load nears saturation).
    ///   - maximumTokens: A static token budget per step, or nil (Saturn admission).
    ///   - maximumSequences: A static sequence cap, or nil.
    ///   - parameters: The latency model.
    public static func replicas(
        rate: Double, workload: Workload, slaMs: Double, ttftMs: Double? = nil, safetyMargin: Double = 0,
        utilisationCap: Double = 0.9, maximumTokens: Double? = nil, maximumSequences: Int? = nil,
        parameters: LatencyParameters
    ) -> Result {
        let limit = slaMs * (1 - safetyMargin)
        guard
            let sat = SteadyState.saturation(
                parameters: parameters, stepLimitMs: limit, workload: workload, maximumTokens: maximumTokens,
                maximumSequences: maximumSequences)
        else {
            return Result(
                replicas: nil, saturation: nil, perReplicaRequestsPerSecond: 0, ttftMs: nil, stepLimitMs: limit,
                infeasibility: .stepSLA)
        }
        let cap = sat.requestsPerSecond * utilisationCap
        func meets(_ lambda: Double) -> Bool {
            guard let t = sat.timeToFirstToken(requestsPerSecond: lambda, workload: workload) else { return false }
            return ttftMs.map { t * 1000 <= $0 } ?? true
        }
        var perReplica = cap
        if !meets(cap) {
            guard meets(0) else {
                return Result(
                    replicas: nil, saturation: sat, perReplicaRequestsPerSecond: 0, ttftMs: nil, stepLimitMs: limit,
                    infeasibility: .ttft)
            }
            var lo = 0.0
            var hi = cap
            for _ in 0..<80 where hi - lo > 1e-12 * cap {
                let mid = (lo + hi) / 2
                if meets(mid) { lo = mid } else { hi = mid }
            }
            perReplica = lo
        }
        guard perReplica > 0 else {
            return Result(
                replicas: nil, saturation: sat, perReplicaRequestsPerSecond: 0, ttftMs: nil, stepLimitMs: limit,
                infeasibility: .ttft)
        }
        let needed = rate <= 0 ? 0 : (rate / perReplica).rounded(.up)
        guard needed.isFinite, needed <= Double(maximumReplicas) else {
            return Result(
                replicas: nil, saturation: sat, perReplicaRequestsPerSecond: perReplica, ttftMs: nil, stepLimitMs: limit,
                infeasibility: .replicaCount)
        }
        let n = Int(needed)
        let load = n > 0 ? rate / Double(n) : 0
        return Result(
            replicas: n, saturation: sat, perReplicaRequestsPerSecond: perReplica,
            ttftMs: sat.timeToFirstToken(requestsPerSecond: load, workload: workload).map { $0 * 1000 },
            stepLimitMs: limit, infeasibility: nil)
    }
}
