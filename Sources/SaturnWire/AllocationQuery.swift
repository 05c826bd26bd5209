import SaturnModel

/// An allocation query (request 17): per-tenant admissions into the next step.
public struct AllocationQuery: Sendable, Hashable {
    /// The key whose parameters answer.
    public var key: ModelKey
    /// The step-latency SLA (ms, > 0).
    public var slaMs: Double
    /// Tokens each running request adds to the next step.
    public var running: [Double]
    /// The tenants (distinct names, request ids distinct over all of them).
    public var tenants: [AllocationTenant]
    /// Concurrency cap (nil: none).
    public var maximumBatchSize: Int?
    /// The margin: fixed, or derived from the key's recent p95 relative error.
    public var margin: SafetyMarginSpec

    /// Memberwise initialiser (not validated).
    public init(
        key: ModelKey, slaMs: Double, running: [Double], tenants: [AllocationTenant], maximumBatchSize: Int? = nil,
        margin: SafetyMarginSpec = .fixed(0)
    ) {
        self.key = key
        self.slaMs = slaMs
        self.running = running
        self.tenants = tenants
        self.maximumBatchSize = maximumBatchSize
        self.margin = margin
    }

    /// From the wire, validated.
    /// - Throws: ``QueryError`` with code ``QueryError/Code/invalidArgument`` naming the field.
    public init(validating p: Saturn_V1_AllocationRequest) throws(QueryError) {
        key = try DecisionValidation.key(model: p.model, hardware: p.hardware)
        slaMs = try DecisionValidation.sla(p.slaMs, field: "sla_ms")
        running = try DecisionValidation.running(p.runningTokens)
        guard !p.tenants.isEmpty else { throw DecisionValidation.invalid("tenants must not be empty") }
        guard p.tenants.count <= WireLimits.maximumTenants else {
            throw DecisionValidation.invalid("tenants has \(p.tenants.count) entries, more than \(WireLimits.maximumTenants)")
        }
        var total = 0
        for t in p.tenants { total += t.ids.count }
        guard total <= WireLimits.maximumAllocationRequests else {
            throw DecisionValidation.invalid(
                "tenants hold \(total) requests, more than \(WireLimits.maximumAllocationRequests)")
        }
        var tenants: [AllocationTenant] = []
        tenants.reserveCapacity(p.tenants.count)
        var ids: [UInt64] = []
        ids.reserveCapacity(total)
        for (i, t) in p.tenants.enumerated() {
            guard WireLimits.isValidName(t.name) else {
                throw DecisionValidation.invalid("tenants[\(i)].name must be 1...\(WireLimits.maximumStringBytes) bytes")
            }
            guard t.weight.isFinite, t.weight > 0, t.weight <= 1e9 else {
                throw DecisionValidation.invalid("tenants[\(i)].weight must be finite and in (0, 1e9], got \(t.weight)")
            }
            let waiting = try DecisionValidation.candidates(
                ids: t.ids, priorities: t.priorities, tokens: t.tokens, field: "tenants[\(i)]")
            ids.append(contentsOf: t.ids)
            tenants.append(AllocationTenant(name: t.name, quota: Int(t.quota), weight: t.weight, waiting: waiting))
        }
        if tenants.count > 1 {
            let names = tenants.map(\.name).sorted()
            for k in 1..<names.count where names[k] == names[k - 1] {
                throw DecisionValidation.invalid("tenants: duplicate name \"\(names[k])\"")
            }
        }
        try DecisionValidation.distinct(ids, field: "tenants ids")
        self.tenants = tenants
        maximumBatchSize = p.maximumBatchSize == 0 ? nil : Int(p.maximumBatchSize)
        margin = try SafetyMarginSpec(validating: p.hasMargin ? p.margin : nil)
    }

    /// To the wire.
    public var proto: Saturn_V1_AllocationRequest {
        var p = Saturn_V1_AllocationRequest()
        p.model = key.model
        p.hardware = key.hardware
        p.slaMs = slaMs
        p.runningTokens = running
        p.tenants = tenants.map { t in
            var pt = Saturn_V1_AllocationTenant()
            pt.name = t.name
            pt.quota = UInt32(clamping: t.quota)
            pt.weight = t.weight
            pt.ids = t.waiting.map(\.id)
            pt.tokens = t.waiting.map(\.tokens)
            if t.waiting.contains(where: { $0.priority != 0 }) { pt.priorities = t.waiting.map(\.priority) }
            return pt
        }
        p.maximumBatchSize = UInt32(clamping: maximumBatchSize ?? 0)
        p.margin = margin.proto
        return p
    }

    /// The decision with `parameters`, the margin resolved from `p95RelativeError` when automatic.
    public func answer(parameters: LatencyParameters, p95RelativeError: Double) -> AllocationDecision {
        Allocation.decide(
            running: running, tenants: tenants, slaMs: slaMs,
            options: AllocationOptions(
                safetyMargin: margin.resolved(p95RelativeError: p95RelativeError), maximumBatchSize: maximumBatchSize),
            parameters: parameters)
    }
}

extension AllocationDecision {
    /// From the wire, for the query's `tenants`; nil when the reply does not match them.
    public init?(_ p: Saturn_V1_AllocationReply, tenants: [AllocationTenant]) {
        guard p.tenants.count == tenants.count, let reason = StopReason(rawValue: p.stopReason) else { return nil }
        var where_: [UInt64: (tenant: Int, index: Int)] = [:]
        var counts: [Int] = []
        for (i, t) in p.tenants.enumerated() {
            guard t.indices.count == t.ids.count else { return nil }
            counts.append(t.ids.count)
            for (k, id) in t.ids.enumerated() {
                let index = Int(t.indices[k])
                guard index < tenants[i].waiting.count else { return nil }
                where_[id] = (i, index)
            }
        }
        var admitted: [Admitted] = []
        for id in p.admissionOrder {
            guard let w = where_[id] else { return nil }
            admitted.append(
                Admitted(tenantIndex: w.tenant, waitingIndex: w.index, id: id, tokens: tenants[w.tenant].waiting[w.index].tokens))
        }
        self.init(
            admitted: admitted, admittedCounts: counts, currentLatencyMs: p.hasCurrentLatencyMs ? p.currentLatencyMs : nil,
            predictedLatencyMs: p.hasPredictedLatencyMs ? p.predictedLatencyMs : nil, effectiveSLAMs: p.effectiveSlaMs,
            stopReason: reason, jainIndex: p.hasJainIndex ? p.jainIndex : nil)
    }

    /// Writes the decision into a reply for `tenants` (the basis and margin are set by the caller).
    public func write(to p: inout Saturn_V1_AllocationReply, tenants: [AllocationTenant]) {
        var shares = tenants.map { t -> Saturn_V1_TenantAdmissions in
            var s = Saturn_V1_TenantAdmissions()
            s.name = t.name
            return s
        }
        var order: [UInt64] = []
        order.reserveCapacity(admitted.count)
        for a in admitted {
            shares[a.tenantIndex].indices.append(UInt32(clamping: a.waitingIndex))
            shares[a.tenantIndex].ids.append(a.id)
            order.append(a.id)
        }
        p.tenants = shares
        p.admissionOrder = order
        if let c = currentLatencyMs { p.currentLatencyMs = c }
        if let t = predictedLatencyMs { p.predictedLatencyMs = t }
        p.effectiveSlaMs = effectiveSLAMs
        p.stopReason = stopReason.rawValue
        if let j = jainIndex { p.jainIndex = j }
    }
}
