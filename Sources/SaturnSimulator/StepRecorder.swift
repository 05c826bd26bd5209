/// Wraps a policy and keeps every step it observes: the telemetry a passive agent beside that engine would have
/// seen (what `saturn simulate --steps-csv` writes, for `saturn fit` or `saturn plan --table`).
public struct StepRecorder<Policy: SchedulingPolicy>: SchedulingPolicy {
    /// The wrapped policy, which decides every step.
    public var policy: Policy
    /// Every completed step, in order.
    public private(set) var steps: [StepRecord] = []

    public init(_ policy: Policy) {
        self.policy = policy
    }

    public var name: String { policy.name }

    public mutating func plan(_ state: EngineState, into plan: inout StepPlan) throws {
        try policy.plan(state, into: &plan)
    }

    public mutating func observe(_ step: StepRecord) throws {
        steps.append(step)
        try policy.observe(step)
    }
}
