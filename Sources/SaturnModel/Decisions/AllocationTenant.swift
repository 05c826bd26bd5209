/// One tenant offered to ``Allocation``.
public struct AllocationTenant: Sendable, Hashable {
    /// The tenant's name (distinct within one query; the wire rejects duplicates).
    public var name: String
    /// At most this many of its requests join one step (≥ 0).
    public var quota: Int
    /// Its weight in the weighted max-min share (> 0): a tenant of weight 2 gets two slots for every one of a tenant
    /// of weight 1 while both have requests that fit.
    public var weight: Double
    /// Its waiting requests in arrival order; visited by ascending priority (stable), as in ``Admission``.
    public var waiting: [AdmissionCandidate]

    /// Memberwise initialiser.
    public init(name: String, quota: Int, weight: Double, waiting: [AdmissionCandidate]) {
        self.name = name
        self.quota = quota
        self.weight = weight
        self.waiting = waiting
    }
}
