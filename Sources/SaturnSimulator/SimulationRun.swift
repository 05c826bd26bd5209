/// The outcome of one run of a ``ServingEngine``: every request's state at the end and every step's latency.
public struct SimulationRun: Sendable {
    /// The policy's name.
    public var policy: String
    /// Every request (by trace index) at the end: each finished or was dropped.
    public var requests: [EngineState.Request]
    /// Latency of every step in ms, in order.
    public var stepLatenciesMs: [Double]
    /// Tokens computed over the run (prompt chunks, recomputation and decodes).
    public var totalTokensComputed: Int
    /// Time of the first arrival in seconds.
    public var start: Double
    /// Time of the last completion (or drop) in seconds.
    public var end: Double
    /// The integral of the waiting-queue length over time (request-seconds): its mean is this over `end - start`.
    public var queueIntegral: Double
    /// Largest KV use seen, in tokens.
    public var peakKVUsed: Int
    /// The KV-cache capacity in tokens.
    public var kvCapacity: Int
    /// Preemptions (recompute) over the run.
    public var preemptions: Int
    /// Plan entries the engine ignored because they broke a rule of ``StepPlan``.
    public var planViolations: Int
    /// Requests dropped because the policy stalled (nothing running, nothing admitted, no arrival to come).
    public var stalled: Int

    public init(policy: String, requests: [EngineState.Request], stepLatenciesMs: [Double], totalTokensComputed: Int,
                start: Double, end: Double, queueIntegral: Double, peakKVUsed: Int, kvCapacity: Int, preemptions: Int,
                planViolations: Int, stalled: Int) {
        self.policy = policy
        self.requests = requests
        self.stepLatenciesMs = stepLatenciesMs
        self.totalTokensComputed = totalTokensComputed
        self.start = start
        self.end = end
        self.queueIntegral = queueIntegral
        self.peakKVUsed = peakKVUsed
        self.kvCapacity = kvCapacity
        self.preemptions = preemptions
        self.planViolations = planViolations
        self.stalled = stalled
    }
}
