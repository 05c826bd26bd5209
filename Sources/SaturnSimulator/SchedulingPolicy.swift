/// Decides, before every step of a ``ServingEngine``, which running requests compute how many tokens and which
/// waiting requests join (see ``StepPlan`` for the rules the engine enforces).
public protocol SchedulingPolicy {
    /// The policy's name in reports (static ones start with `static`, Saturn's with `saturn`).
    var name: String { get }
    /// Fills `plan` for the next step.
    /// - Throws: when the policy cannot decide (e.g. its agent does not answer); the run stops with the error.
    mutating func plan(_ state: EngineState, into plan: inout StepPlan) throws
    /// Receives every completed step (telemetry).
    /// - Throws: when the policy cannot record it (e.g. publishing fails); the run stops with the error.
    mutating func observe(_ step: StepRecord) throws
}
