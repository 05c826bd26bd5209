/// One observation the robust gate (``OutlierRejection``) kept out of a fit: no smooth latency surface explains it
/// (a stalled step, a restarted worker's first steps, a physically impossible row). The agent keeps the last ones
/// per key for its health reply.
public struct RejectedObservation: Sendable, Hashable {
    /// The step.
    public var step: StepObservation
    /// `(T̂ − T)/T` under the set that judged it.
    public var relativeResidual: Double
    /// The key's observation number (1 = its first).
    public var observation: UInt64

    public init(step: StepObservation, relativeResidual: Double, observation: UInt64) {
        self.step = step
        self.relativeResidual = relativeResidual
        self.observation = observation
    }
}
