import Logging
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnWire
import Testing

/// The router's decision calls against a real agent on loopback: answers equal the model's on the key's
/// parameters, bad input comes back as `invalid_argument` and the router stays usable.
@Suite(.timeLimit(.minutes(2)))
struct RouterDecisionTests {
    static let key = ClientTests.key

    @Test func everyDecisionAnswersOverTheSocket() async throws {
        let agent = try ClientTests.agent("decisions-a")
        try await agent.withRunning { e in
            let router = try Router(endpoint: e.query, timeout: .seconds(2))
            defer { router.close() }
            let p = try router.predict(Self.key, batchSize: 1, tokens: 1).parameters

            let rows = try router.slaInverse(SLAInverseQuery(key: Self.key, targetMs: 80, batchSizes: 1...16, tokens: 1...8192))
            #expect(rows.value == SLAInverse.rows(batchSizes: 1...16, targetMs: 80, tokens: 1...8192, parameters: p))
            #expect(rows.basis.parameters == p)

            let capacity = try router.capacity(
                CapacityQuery(key: Self.key, latencyLimitMs: 80, batchSizes: 1...64, tokens: 1...4096))
            #expect(capacity.value == Capacity.maximise(latencyLimitMs: 80, batchSizes: 1...64, maximumTokens: 4096, parameters: p).best)

            let waiting = (0..<64).map { AdmissionCandidate(id: UInt64($0), priority: 0, tokens: Double(16 + 29 * $0 % 500)) }
            let sla = p.latency(batchSize: 24, tokens: 2000)
            let admission = AdmissionQuery(key: Self.key, slaMs: sla, running: [1, 1, 1, 1], waiting: waiting)
            let decided = try router.admission(admission)
            #expect(decided.value == Admission.decide(running: [1, 1, 1, 1], waiting: waiting, slaMs: sla, parameters: p))

            let tenants = (0..<8).map { t in
                AllocationTenant(
                    name: "t\(t)", quota: 6, weight: 1 + Double(t % 2),
                    waiting: (0..<64).map { AdmissionCandidate(id: UInt64(100 * t + $0), priority: 0, tokens: Double(8 + $0)) })
            }
            let allocation = try router.allocation(AllocationQuery(key: Self.key, slaMs: sla, running: [1, 1], tenants: tenants))
            #expect(allocation.value == Allocation.decide(running: [1, 1], tenants: tenants, slaMs: sla, parameters: p))

            let workload = Workload(
                meanPromptTokens: 800, promptTokensStandardDeviation: 400, promptTokensAtQuantile: 2500, meanOutputTokens: 150)
            let plan = try router.plan(PlanQuery(key: Self.key, slaMs: 100, ttftMs: 2500, rate: 30, workload: workload))
            #expect(plan.value.replicas == CapacityPlan.replicas(
                rate: 30, workload: workload, slaMs: 100, ttftMs: 2500, parameters: p).replicas)

            // Bad input: an error reply, then the router still answers.
            let duplicate = AdmissionQuery(
                key: Self.key, slaMs: 50, running: [], waiting: [waiting[0], waiting[0]])
            let error = #expect(throws: ClientError.self) { try router.admission(duplicate) }
            guard case .reply(let q)? = error?.kind else {
                Issue.record("expected an error reply, got \(String(describing: error))")
                return
            }
            #expect(q.code == .invalidArgument && q.message.contains("duplicate"))
            let empty = #expect(throws: ClientError.self) {
                try router.allocation(AllocationQuery(key: Self.key, slaMs: 50, running: [], tenants: []))
            }
            #expect(empty?.kind == .reply(QueryError(.invalidArgument, "tenants must not be empty")))
            #expect(try router.admission(admission).value == decided.value)
        }
    }
}
