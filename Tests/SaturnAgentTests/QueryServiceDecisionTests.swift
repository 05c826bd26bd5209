import SaturnModel
import SaturnWire
import SwiftProtobuf
import Locking
import Testing

@testable import SaturnAgent

/// The decision queries (requests 14..18) through ``QueryService``: answers equal the model's pure functions on
/// the key's snapshot and carry its basis; every kind of bad input is an `INVALID_ARGUMENT` reply naming the field
/// and changes nothing in the agent.
struct QueryServiceDecisionTests {
    static let key = ModelKey(model: "llama2-70b", hardware: "a100-80gb-tp2")

    static func ask(_ service: QueryService, _ request: Saturn_V1_Request) throws -> Saturn_V1_Reply {
        let bytes: [UInt8] = try request.serializedBytes()
        return try QueryServiceTests.reply(service.handle([QueryServiceTests.identity, [], bytes]))
    }

    static let waiting: [AdmissionCandidate] = (0..<64).map { (i: Int) -> AdmissionCandidate in
        AdmissionCandidate(id: UInt64(100 + i), priority: Double(i % 3), tokens: Double(1 + (i * 37) % 700))
    }

    static func tenants(_ count: Int = 8, requests: Int = 64) -> [AllocationTenant] {
        (0..<count).map { t in
            AllocationTenant(
                name: "tenant-\(t)", quota: 4 + t, weight: Double(1 + t % 3),
                waiting: (0..<requests).map {
                    AdmissionCandidate(id: UInt64(t * 1000 + $0), priority: Double($0 % 2), tokens: Double(1 + ($0 * 53) % 400))
                })
        }
    }

    @Test func answersMatchTheModelOnTheKeysSnapshot() throws {
        let (service, state) = QueryServiceTests.service()
        let p = state.snapshot(for: Self.key).parameters
        let expectedBasis = service.basis(for: Self.key)
        #expect(expectedBasis.parameters == p && expectedBasis.recentObservations == 0)

        let sla = SLAInverseQuery(key: Self.key, targetMs: 60, batchSizes: 1...32, tokens: 1...8192)
        let slaReply = try Self.ask(service, .slaInverse(sla, requestID: 1))
        #expect(slaReply.requestID == 1 && DecisionBasis(slaReply.slaInverse.basis) == expectedBasis)
        #expect(slaReply.slaInverse.rows.map(SLAInverse.Row.init) == sla.answer(parameters: p))

        let capacity = CapacityQuery(key: Self.key, latencyLimitMs: 60, batchSizes: 1...64, tokens: 1...4096, integerTokens: true)
        let capReply = try Self.ask(service, .capacity(capacity))
        #expect(Capacity.Point(capReply.capacity) == capacity.answer(parameters: p))
        #expect(capReply.capacity.feasible && capReply.capacity.tokens == capReply.capacity.tokens.rounded())

        // An SLA the prior meets with a few hundred tokens more than the running batch.
        let admissionSLA = (p.latency(batchSize: 10, tokens: 1500) / 0.9).rounded(.up)
        let admission = AdmissionQuery(
            key: Self.key, slaMs: admissionSLA, running: [1, 1, 1, 1, 300], waiting: Self.waiting,
            options: AdmissionOptions(rule: .bestEffort, scanPastMisfit: true, minimumChunkTokens: 32, maximumBatchSize: 48),
            margin: .fixed(0.1))
        let admReply = try Self.ask(service, .admission(admission))
        let decided = try #require(AdmissionDecision(admReply.admission, waiting: Self.waiting))
        #expect(decided == admission.answer(parameters: p, p95RelativeError: 0))
        #expect(admReply.admission.safetyMargin == 0.1 && decided.effectiveSLAMs == admissionSLA * 0.9)
        #expect(!decided.admitted.isEmpty)

        let allocation = AllocationQuery(
            key: Self.key, slaMs: 80, running: [1, 1, 1], tenants: Self.tenants(), maximumBatchSize: 64)
        let allocReply = try Self.ask(service, .allocation(allocation))
        let shared = try #require(AllocationDecision(allocReply.allocation, tenants: allocation.tenants))
        #expect(shared == allocation.answer(parameters: p, p95RelativeError: 0))
        #expect(allocReply.allocation.tenants.map(\.name) == allocation.tenants.map(\.name))

        let workload = Workload(
            meanPromptTokens: 1000, promptTokensStandardDeviation: 800, promptTokensAtQuantile: 4000, meanOutputTokens: 250)
        let plan = PlanQuery(key: Self.key, slaMs: 120, ttftMs: 3000, rate: 20, workload: workload)
        let planReply = try Self.ask(service, .plan(plan))
        let answer = plan.answer(parameters: p, p95RelativeError: 0)
        let decoded = PlanAnswer(planReply.plan)
        #expect(decoded.replicas == answer.replicas && decoded.budget == answer.budget)
        #expect(decoded.perReplicaRequestsPerSecond == answer.perReplicaRequestsPerSecond && decoded.ttftMs == answer.ttftMs)
        #expect(state.counters.withLock { $0.queriesAnswered } == 5)
    }

    @Test func automaticMarginFollowsTheKeysRecentP95() throws {
        let (service, state) = QueryServiceTests.service()
        var monitor = KeyMonitor()
        monitor.accuracy = AccuracySummary(relativeErrors: [Double](repeating: 0.2, count: 50))
        state.monitors.withLock { $0[Self.key] = monitor }
        let query = AdmissionQuery(key: Self.key, slaMs: 60, running: [1, 1], waiting: Self.waiting, margin: .automatic(multiplier: 1))
        let reply = try Self.ask(service, .admission(query))
        #expect(abs(reply.admission.safetyMargin - 0.2 / 1.2) < 1e-15)
        #expect(abs(reply.admission.effectiveSlaMs - 60 * (1 - 0.2 / 1.2)) < 1e-12)
        #expect(reply.admission.basis.recentP95RelativeError == 0.2)
    }

    /// One bad request per rule, each with a word its error message must contain.
    static func badRequests() -> [(Saturn_V1_Request, String)] {
        var out: [(Saturn_V1_Request, String)] = []
        let goodAdmission = AdmissionQuery(key: key, slaMs: 60, running: [1, 2], waiting: Array(waiting.prefix(4))).proto
        func admission(_ change: (inout Saturn_V1_AdmissionRequest) -> Void, _ word: String) {
            var p = goodAdmission
            change(&p)
            var r = Saturn_V1_Request.health()
            r.admission = p
            out.append((r, word))
        }
        admission({ $0.slaMs = .nan }, "sla_ms")
        admission({ $0.slaMs = 0 }, "sla_ms")
        admission({ $0.slaMs = -5 }, "sla_ms")
        admission({ $0.slaMs = 1e12 }, "sla_ms")
        admission({ $0.runningTokens = [1, -1] }, "running_tokens[1]")
        admission({ $0.runningTokens = [.infinity] }, "running_tokens[0]")
        admission({ $0.waitingTokens[2] = -3 }, "tokens[2]")
        admission({ $0.waitingTokens[0] = .nan }, "tokens[0]")
        admission({ $0.waitingTokens[0] = 1e12 }, "tokens[0]")
        admission({ $0.waitingIds[3] = $0.waitingIds[1] }, "duplicate")
        admission({ $0.waitingTokens.removeLast() }, "one each")
        admission({ $0.waitingPriorities = [1] }, "priorities")
        admission({ $0.waitingPriorities = [1, 2, .nan, 3] }, "priorities[2]")
        admission({ $0.waitingIds = Array(0..<5000); $0.waitingTokens = [Double](repeating: 1, count: 5000) }, "more than")
        admission({ $0.options.rule = "fastest" }, "options.rule")
        admission({ $0.options.minimumChunkTokens = -1 }, "minimum_chunk_tokens")
        admission({ $0.options.margin.safetyMargin = 1 }, "safety_margin")
        admission({ $0.options.margin.autoSafetyMargin = true; $0.options.margin.marginMultiplier = .nan }, "margin_multiplier")
        admission({ $0.model = "" }, "model")

        let goodAllocation = AllocationQuery(key: key, slaMs: 60, running: [1], tenants: tenants(2, requests: 3)).proto
        func allocation(_ change: (inout Saturn_V1_AllocationRequest) -> Void, _ word: String) {
            var p = goodAllocation
            change(&p)
            var r = Saturn_V1_Request.health()
            r.allocation = p
            out.append((r, word))
        }
        allocation({ $0.tenants = [] }, "tenants must not be empty")
        allocation({ $0.tenants[1].name = $0.tenants[0].name }, "duplicate name")
        allocation({ $0.tenants[1].name = "" }, "tenants[1].name")
        allocation({ $0.tenants[1].ids[0] = $0.tenants[0].ids[0] }, "duplicate request id")
        allocation({ $0.tenants[0].weight = 0 }, "tenants[0].weight")
        allocation({ $0.tenants[0].weight = .nan }, "tenants[0].weight")
        allocation({ $0.tenants[1].tokens[2] = -1 }, "tenants[1] tokens[2]")
        allocation({ $0.slaMs = .infinity }, "sla_ms")
        allocation({ p in p.tenants = (0..<300).map { i in var t = Saturn_V1_AllocationTenant(); t.name = "t\(i)"; t.weight = 1; return t } }, "more than")

        func slaInverse(_ change: (inout Saturn_V1_SlaInverseRequest) -> Void, _ word: String) {
            var p = SLAInverseQuery(key: key, targetMs: 50, batchSizes: 1...8, tokens: 1...4096).proto
            change(&p)
            var r = Saturn_V1_Request.health()
            r.slaInverse = p
            out.append((r, word))
        }
        slaInverse({ $0.targetMs = 0 }, "target_ms")
        slaInverse({ $0.maxBatchSize = 0 }, "max_batch_size")
        slaInverse({ $0.maxBatchSize = 100_000 }, "rows")
        slaInverse({ $0.maxTokens = .nan }, "max_tokens")
        slaInverse({ $0.minTokens = -1 }, "min_tokens")

        var capacity = CapacityQuery(key: key, latencyLimitMs: 50, batchSizes: 1...8, tokens: 1...4096).proto
        capacity.latencyLimitMs = -1
        var capacityRequest = Saturn_V1_Request.health()
        capacityRequest.capacity = capacity
        out.append((capacityRequest, "latency_limit_ms"))

        let workload = Workload(meanPromptTokens: 100, promptTokensStandardDeviation: 10, promptTokensAtQuantile: 200, meanOutputTokens: 10)
        func plan(_ change: (inout Saturn_V1_PlanRequest) -> Void, _ word: String) {
            var p = PlanQuery(key: key, slaMs: 50, rate: 10, workload: workload).proto
            change(&p)
            var r = Saturn_V1_Request.health()
            r.plan = p
            out.append((r, word))
        }
        plan({ $0.rate = -1 }, "rate")
        plan({ $0.meanPromptTokens = .nan }, "mean_prompt_tokens")
        plan({ $0.meanOutputTokens = 0.5 }, "mean_output_tokens")
        plan({ $0.quantile = 1 }, "quantile")
        plan({ $0.ttftMs = -1 }, "ttft_ms")
        plan({ $0.sequenceCaps = [1] }, "sequence_caps[0]")
        plan({ $0.utilisationCap = 2 }, "utilisation_cap")
        // Found by the request fuzz harness: a utilisation cap of 1e-305 made the replica count overflow Int.
        plan({ $0.utilisationCap = 1.1125716960326399e-305 }, "utilisation_cap")
        return out
    }

    @Test func badInputIsAnInvalidArgumentNamingTheFieldAndChangesNothing() throws {
        let (service, state) = QueryServiceTests.service()
        let snapshotsBefore = state.snapshots.withLock { $0 }
        let cases = Self.badRequests()
        #expect(cases.count > 35)
        for (request, word) in cases {
            let reply = try Self.ask(service, request)
            guard case .error(let e)? = reply.body else {
                Issue.record("expected an error for \(word), got \(String(describing: reply.body))")
                continue
            }
            #expect(QueryError.Code(e.code) == .invalidArgument, "\(word): \(e.message)")
            #expect(e.message.contains(word), "message '\(e.message)' should name \(word)")
        }
        #expect(state.snapshots.withLock { $0 } == snapshotsBefore)
        #expect(state.keys.withLock { $0.isEmpty } && state.priorCache.withLock { $0.isEmpty })
        let counters = state.counters.withLock { $0 }
        #expect(counters.queriesAnswered == 0 && counters.queryErrors == [.invalidArgument: UInt64(cases.count)])
    }
}
