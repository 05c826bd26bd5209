/// What a scheduling policy decides for the next step; the engine then checks and runs it.
///
/// The engine sizes ``runningTokens`` to the running requests (all 0) and empties the other lists before asking
/// the policy. Rules the engine enforces (anything else is ignored and counted in
/// ``SimulationRun/planViolations``): a decoding request computes 0 or 1 token; a prefilling request 0 up to its
/// remaining prompt; an admission names a waiting offset once, with 1 up to its prompt tokens, and only when its
/// whole prompt plus one token fits in the free KV cache (after the decodes' growth and earlier admissions); a
/// drop names a waiting offset once and not also an admission.
public struct StepPlan: Sendable {
    /// Tokens each running request computes (aligned with ``EngineState/running``).
    public var runningTokens: [Int] = []
    /// Waiting requests admitted into this step: offset from the head of the queue and the prompt chunk.
    public var admissions: [(offset: Int, tokens: Int)] = []
    /// Waiting requests removed unserved (offsets from the head of the queue), e.g. when their TTFT is lost.
    public var drops: [Int] = []

    public init() {}

    mutating func reset(running: Int) {
        runningTokens.removeAll(keepingCapacity: true)
        for _ in 0..<running { runningTokens.append(0) }
        admissions.removeAll(keepingCapacity: true)
        drops.removeAll(keepingCapacity: true)
    }
}
