import SaturnModel
import SaturnWire
import Testing

/// The decision queries survive the wire: `Query(validating: query.proto) == query`.
struct DecisionQueryProtoTests {
    static let key = ModelKey(model: "m", hardware: "h")

    @Test func queriesRoundTrip() throws {
        let waiting = [
            AdmissionCandidate(id: 7, priority: 2, tokens: 100), AdmissionCandidate(id: 3, priority: -1, tokens: 1),
        ]
        let admission = AdmissionQuery(
            key: Self.key, slaMs: 80, running: [1, 1, 512], waiting: waiting,
            options: AdmissionOptions(rule: .bestEffort, scanPastMisfit: true, minimumChunkTokens: 64, maximumBatchSize: 32),
            margin: .automatic(multiplier: 2))
        #expect(try AdmissionQuery(validating: admission.proto) == admission)
        let plain = AdmissionQuery(key: Self.key, slaMs: 80, running: [], waiting: [AdmissionCandidate(id: 1, priority: 0, tokens: 5)])
        #expect(try AdmissionQuery(validating: plain.proto) == plain)

        let allocation = AllocationQuery(
            key: Self.key, slaMs: 50, running: [1],
            tenants: [
                AllocationTenant(name: "a", quota: 3, weight: 2, waiting: waiting),
                AllocationTenant(name: "b", quota: 0, weight: 0.5, waiting: []),
            ],
            maximumBatchSize: 10, margin: .fixed(0.05))
        #expect(try AllocationQuery(validating: allocation.proto) == allocation)

        let sla = SLAInverseQuery(key: Self.key, targetMs: 30, batchSizes: 2...40, tokens: 4...2048)
        #expect(try SLAInverseQuery(validating: sla.proto) == sla)
        let capacity = CapacityQuery(key: Self.key, latencyLimitMs: 30, batchSizes: 1...64, tokens: 1...2048, integerTokens: true)
        #expect(try CapacityQuery(validating: capacity.proto) == capacity)

        let workload = Workload(
            meanPromptTokens: 1000, promptTokensStandardDeviation: 600, promptTokensAtQuantile: 3000, quantile: 0.95,
            meanOutputTokens: 200)
        let plan = PlanQuery(
            key: Self.key, slaMs: 100, ttftMs: 2000, rate: 12, workload: workload, margin: .fixed(0.08),
            utilisationCap: 0.8, sequenceCaps: [16, 64], tokenGranularity: 32)
        let back = try PlanQuery(validating: plan.proto)
        #expect(back.workload.meanPromptTokens == 1000 && abs(back.workload.promptTokensSecondMoment - workload.promptTokensSecondMoment) < 1e-6)
        #expect(back.margin == plan.margin && back.sequenceCaps == [16, 64] && back.tokenGranularity == 32 && back.ttftMs == 2000)
    }

    @Test func decisionsRoundTrip() throws {
        let p = LatencyParameters(vector: [120, 0.08, 0.004, 20, 0.9, 3, 0.05, 0.002])
        let waiting = (0..<20).map { AdmissionCandidate(id: UInt64($0), priority: 0, tokens: Double(50 * $0 + 1)) }
        let d = Admission.decide(
            running: [1, 1, 100], waiting: waiting, slaMs: 40, options: .init(minimumChunkTokens: 16), parameters: p)
        #expect(d.stopReason == .chunked)
        var reply = Saturn_V1_AdmissionReply()
        d.write(to: &reply)
        #expect(AdmissionDecision(reply, waiting: waiting) == d)

        let tenants = (0..<3).map { t in
            AllocationTenant(name: "t\(t)", quota: 5, weight: 1, waiting: (0..<6).map { AdmissionCandidate(id: UInt64(10 * t + $0), priority: 0, tokens: 20) })
        }
        let a = Allocation.decide(running: [1], tenants: tenants, slaMs: 40, parameters: p)
        var allocationReply = Saturn_V1_AllocationReply()
        a.write(to: &allocationReply, tenants: tenants)
        #expect(AllocationDecision(allocationReply, tenants: tenants) == a)
    }
}

/// Duplicate ids are found wherever they are, in short and long lists.
struct DuplicateIDTests {
    @Test(arguments: [2, 3, 17, 64, 512, 1024])
    func everyDuplicateIsFound(count: Int) throws {
        var ids = (0..<count).map { UInt64($0) &* 0x9E37_79B9 &+ (UInt64($0) << 40) }
        ids.append(UInt64.max)
        let waiting = ids.map { AdmissionCandidate(id: $0, priority: 0, tokens: 1) }
        let ok = AdmissionQuery(key: ModelKey(model: "m", hardware: "h"), slaMs: 10, running: [], waiting: Array(waiting.prefix(1024)))
        #expect(throws: Never.self) { try AdmissionQuery(validating: ok.proto) }
        for (i, j) in [(0, ids.count - 1), (ids.count / 2, ids.count / 2 + 1), (1, 0)] where i != j {
            var bad = Array(waiting.prefix(1024))
            guard i < bad.count, j < bad.count else { continue }
            bad[j].id = bad[i].id
            let query = AdmissionQuery(key: ModelKey(model: "m", hardware: "h"), slaMs: 10, running: [], waiting: bad)
            #expect(throws: QueryError.self) { try AdmissionQuery(validating: query.proto) }
        }
    }
}
