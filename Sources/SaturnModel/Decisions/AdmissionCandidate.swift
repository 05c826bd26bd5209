/// A waiting request offered to ``Admission``: who it is, when it should go, and what it costs the next step.
public struct AdmissionCandidate: Sendable, Hashable {
    /// The caller's request id (distinct within one query; the wire rejects duplicates).
    public var id: UInt64
    /// Visiting order: **lower values go first**; equal priorities keep their order in the waiting list.
    public var priority: Double
    /// Tokens the request adds to the next step if admitted whole (its prompt for a prefill, 1 for a decode), ≥ 0.
    public var tokens: Double

    /// Memberwise initialiser.
    public init(id: UInt64, priority: Double, tokens: Double) {
        self.id = id
        self.priority = priority
        self.tokens = tokens
    }
}
