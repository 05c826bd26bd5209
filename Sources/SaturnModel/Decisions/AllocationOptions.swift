/// Options of ``Allocation/decide(running:tenants:slaMs:options:parameters:)``: the margin and cap of
/// ``AdmissionOptions``.
public struct AllocationOptions: Sendable, Hashable {
    /// `m ∈ [0, 1)`: admissions keep the prediction within `sla · (1 − m)`
    /// (``AdmissionOptions/safetyMargin(p95RelativeError:multiplier:)`` derives it).
    public var safetyMargin: Double
    /// Running + admitted over all tenants ≤ this (nil: no cap; ≥ 0).
    public var maximumBatchSize: Int?

    /// Creates options (no margin, no cap by default).
    public init(safetyMargin: Double = 0, maximumBatchSize: Int? = nil) {
        self.safetyMargin = safetyMargin
        self.maximumBatchSize = maximumBatchSize
    }
}
