import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

/// ``Allocation``: quotas, SLA, work conservation and weighted max-min fairness over seeded cases, checked by
/// replaying each answer against the rule's definition; Jain's index reported.
struct AllocationTests {
    static let profiles = [
        LatencyParameters(vector: [120, 0.08, 0.004, 20, 0.9, 3, 0.05, 0.002]),
        LatencyParameters(vector: [400, 0.2, 0.01, 50, 2.5, 1.5, 0.02, 0.0005]),
        LatencyParameters(vector: [20, 0.3, 0.02, 5, 0.2, 0.5, 0.1, 0.01]),
    ]

    struct Case {
        var running: [Double]
        var tenants: [AllocationTenant]
        var sla: Double
        var options: AllocationOptions
        var parameters: LatencyParameters
    }

    static func randomCase(_ rng: inout SplitMix64, parameters: LatencyParameters? = nil) -> Case {
        let tenantCount = 1 + Int(rng.next() % 8)
        var nextID: UInt64 = 0
        let tenants = (0..<tenantCount).map { i -> AllocationTenant in
            let waiting = (0..<Int(rng.next() % 21)).map { _ -> AdmissionCandidate in
                defer { nextID += 1 }
                let tokens: Double =
                    switch rng.next() % 3 {
                    case 0: 1
                    case 1: Double(16 + rng.next() % 256)
                    default: Double(64 + rng.next() % 2000)
                    }
                return AdmissionCandidate(id: nextID, priority: Double(rng.next() % 3), tokens: tokens)
            }
            return AllocationTenant(
                name: "t\(i)", quota: Int(rng.next() % 12), weight: [0.5, 1, 2, 3][Int(rng.next() % 4)], waiting: waiting)
        }
        let running = (0..<Int(rng.next() % 24)).map { _ in rng.nextUniform() < 0.8 ? 1.0 : Double(1 + rng.next() % 512) }
        let options = AllocationOptions(
            safetyMargin: rng.nextUniform() < 0.3 ? 0.1 : 0,
            maximumBatchSize: rng.nextUniform() < 0.3 ? Int(rng.next() % 48) : nil)
        let p = parameters ?? profiles[Int(rng.next() % UInt64(profiles.count))]
        return Case(running: running, tenants: tenants, sla: 5 + 95 * rng.nextUniform(), options: options, parameters: p)
    }

    /// The step as the replay sees it.
    struct Step {
        var b: Int
        var s: Double
        let limit: Double
        let p: LatencyParameters
        func fits(_ t: Double) -> Bool { p.latency(batchSize: Double(b + 1), tokens: s + t) <= limit }
    }

    /// Each tenant's requests in priority order (stable), as indices.
    static func priorityOrder(_ t: AllocationTenant) -> [Int] {
        t.waiting.indices.sorted { (t.waiting[$0].priority, $0) < (t.waiting[$1].priority, $1) }
    }

    /// Checks one answer against the rule; returns Jain's index when defined.
    @discardableResult
    static func check(_ c: Case, _ d: AllocationDecision) -> Double? {
        let limit = c.sla * (1 - c.options.safetyMargin)
        #expect(d.effectiveSLAMs == limit)
        var step = Step(b: c.running.count, s: c.running.reduce(0, +), limit: limit, p: c.parameters)
        var counts = [Int](repeating: 0, count: c.tenants.count)
        var taken = c.tenants.map { [Bool](repeating: false, count: $0.waiting.count) }
        let orders = c.tenants.map(priorityOrder)
        func remaining(_ i: Int) -> [Int] { orders[i].filter { !taken[i][$0] } }
        func open(_ i: Int) -> Bool { counts[i] < c.tenants[i].quota && !remaining(i).isEmpty }
        for a in d.admitted {
            let j = a.tenantIndex
            // The rule: j is open, its request is its first remaining in priority order that fits ...
            #expect(open(j), "admission to a tenant at its quota or without requests")
            let firstFit = remaining(j).first { step.fits(c.tenants[j].waiting[$0].tokens) }
            #expect(firstFit == a.waitingIndex, "not the tenant's first fitting request in priority order")
            #expect(c.tenants[j].waiting[a.waitingIndex].id == a.id && c.tenants[j].waiting[a.waitingIndex].tokens == a.tokens)
            // ... and every tenant ahead of j in the weighted order has nothing that fits.
            let rj = Double(counts[j]) / c.tenants[j].weight
            for i in c.tenants.indices where i != j && open(i) {
                let ri = Double(counts[i]) / c.tenants[i].weight
                if ri < rj || (ri == rj && i < j) {
                    #expect(!remaining(i).contains { step.fits(c.tenants[i].waiting[$0].tokens) },
                        "tenant \(i) (share \(ri)) had a fitting request when \(j) (share \(rj)) got a slot")
                }
            }
            if let cap = c.options.maximumBatchSize { #expect(step.b < cap, "cap broken") }
            taken[j][a.waitingIndex] = true
            counts[j] += 1
            step.b += 1
            step.s += a.tokens
            #expect(c.parameters.latency(batchSize: Double(step.b), tokens: step.s) <= limit, "SLA broken")
        }
        #expect(counts == d.admittedCounts)
        for i in c.tenants.indices { #expect(counts[i] <= c.tenants[i].quota, "quota broken") }
        if !d.admitted.isEmpty {
            #expect(d.predictedLatencyMs! <= limit && isClose(d.predictedLatencyMs!, c.parameters.latency(batchSize: Double(step.b), tokens: step.s), rel: 1e-15))
        }
        // Work-conserving: nothing left fits unless the cap stopped it.
        let capReached = c.options.maximumBatchSize.map { step.b >= $0 } ?? false
        if !capReached {
            for i in c.tenants.indices where open(i) {
                #expect(!remaining(i).contains { step.fits(c.tenants[i].waiting[$0].tokens) }, "not work-conserving")
            }
        }
        let anyOpen = c.tenants.indices.contains(where: open)
        let expectedReason: AllocationDecision.StopReason =
            c.tenants.allSatisfy({ $0.waiting.isEmpty }) ? .noWaiting
            : !anyOpen ? (c.tenants.indices.allSatisfy { remaining($0).isEmpty } ? .allAdmitted : .quotaReached)
            : capReached ? .batchSizeLimit : .slaBound
        #expect(d.stopReason == expectedReason)
        let shares = c.tenants.indices.filter { !c.tenants[$0].waiting.isEmpty }.map {
            Double(counts[$0]) / c.tenants[$0].weight
        }
        if d.admitted.isEmpty {
            #expect(d.jainIndex == nil)
        } else {
            #expect(d.jainIndex == Fairness.jainIndex(shares))
        }
        return d.jainIndex
    }

    @Test func quotasSLAWorkConservationAndFairnessHoldOnSeededCases() {
        var rng = SplitMix64(seed: 2026)
        var jain: [Double] = []
        var admissions = 0
        var reasons: [AllocationDecision.StopReason: Int] = [:]
        for _ in 0..<4000 {
            let c = Self.randomCase(&rng)
            let d = Allocation.decide(
                running: c.running, tenants: c.tenants, slaMs: c.sla, options: c.options, parameters: c.parameters)
            if let j = Self.check(c, d) { jain.append(j) }
            admissions += d.admitted.count
            reasons[d.stopReason, default: 0] += 1
        }
        // The cases exercise every way of stopping and admit a lot.
        #expect(reasons.count == AllocationDecision.StopReason.allCases.count, "\(reasons)")
        #expect(admissions > 10_000)
        let mean = jain.reduce(0, +) / Double(jain.count)
        print("allocation: 4000 seeded cases, \(admissions) admissions, Jain's index of admitted/weight over tenants"
            + " with requests: mean \(mean), min \(jain.min()!), stop reasons \(reasons)")
        #expect(mean > 0.5)
    }

    /// Where `T` is non-decreasing in `B` and `S` (no batching-efficiency region), fairness holds of the final
    /// answer: a tenant left below another by more than one weighted slot cannot use that other tenant's last slot.
    @Test func finalAnswerIsWeightedMaxMinFairWhereTheModelIsMonotone() {
        // Saturated in B (k_B = 10) and small w₀: T grows with B and S for S ≤ 5000 (checked below), and an SLA
        // under 45 ms keeps every step below 2000 tokens.
        let p = LatencyParameters(vector: [100, 10, 0.05, 0.01, 1, 2, 0.5, 0.01])
        for b in [1.0, 2, 8, 64, 200] {
            for s in [1.0, 10, 100, 1000, 5000] {
                #expect(p.latencySlopeInTokens(batchSize: b, tokens: s) > 0)
                #expect(p.latency(batchSize: b + 1, tokens: s) > p.latency(batchSize: b, tokens: s))
            }
        }
        var rng = SplitMix64(seed: 77)
        var pairsChecked = 0
        for _ in 0..<3000 {
            var c = Self.randomCase(&rng, parameters: p)
            c.sla = 5 + 40 * rng.nextUniform()
            let d = Allocation.decide(
                running: c.running, tenants: c.tenants, slaMs: c.sla, options: c.options, parameters: p)
            Self.check(c, d)
            let limit = d.effectiveSLAMs
            let b = c.running.count + d.admitted.count
            let s = c.running.reduce(0, +) + d.admitted.reduce(0) { $0 + $1.tokens }
            for j in c.tenants.indices {
                guard let last = d.admitted.last(where: { $0.tenantIndex == j }) else { continue }
                for i in c.tenants.indices where i != j {
                    let ti = c.tenants[i]
                    let left = ti.waiting.indices.filter { k in !d.admitted.contains { $0.tenantIndex == i && $0.waitingIndex == k } }
                    guard d.admittedCounts[i] < ti.quota, !left.isEmpty else { continue }
                    guard Double(d.admittedCounts[j] - 1) / c.tenants[j].weight > Double(d.admittedCounts[i]) / ti.weight
                    else { continue }
                    pairsChecked += 1
                    for k in left {
                        #expect(p.latency(batchSize: Double(b), tokens: s - last.tokens + ti.waiting[k].tokens) > limit,
                            "tenant \(i) could have taken tenant \(j)'s last slot")
                    }
                }
            }
        }
        #expect(pairsChecked > 500)
    }

    @Test func equalWeightsAlternateAndWeightsShareProportionally() {
        let p = Self.profiles[0]
        func tenant(_ name: String, weight: Double, ids: Range<UInt64>) -> AllocationTenant {
            AllocationTenant(name: name, quota: 100, weight: weight, waiting: ids.map { .init(id: $0, priority: 0, tokens: 1) })
        }
        let even = Allocation.decide(
            running: [], tenants: [tenant("a", weight: 1, ids: 0..<50), tenant("b", weight: 1, ids: 100..<150)],
            slaMs: 1000, options: .init(maximumBatchSize: 6), parameters: p)
        #expect(even.admitted.map(\.id) == [0, 100, 1, 101, 2, 102])
        #expect(even.stopReason == .batchSizeLimit && even.jainIndex == 1)
        let weighted = Allocation.decide(
            running: [], tenants: [tenant("a", weight: 2, ids: 0..<50), tenant("b", weight: 1, ids: 100..<150)],
            slaMs: 1000, options: .init(maximumBatchSize: 30), parameters: p)
        #expect(weighted.admittedCounts == [20, 10])
        // A quota holds a heavy tenant back and the rest goes to the others (work-conserving).
        var capped = tenant("a", weight: 10, ids: 0..<50)
        capped.quota = 3
        let quota = Allocation.decide(
            running: [], tenants: [capped, tenant("b", weight: 1, ids: 100..<150)], slaMs: 1000,
            options: .init(maximumBatchSize: 30), parameters: p)
        #expect(quota.admittedCounts == [3, 27])
        #expect(Allocation.decide(running: [1], tenants: [], slaMs: 10, parameters: p).stopReason == .noWaiting)
    }

    @Test func jainIndexBounds() {
        #expect(Fairness.jainIndex([1, 1, 1, 1]) == 1)
        #expect(Fairness.jainIndex([4, 0, 0, 0]) == 0.25)
        #expect(isClose(Fairness.jainIndex([1, 2])!, 9.0 / 10.0, rel: 1e-15))
        #expect(Fairness.jainIndex([]) == nil && Fairness.jainIndex([0, 0]) == nil && Fairness.jainIndex([.nan]) == nil)
    }
}
