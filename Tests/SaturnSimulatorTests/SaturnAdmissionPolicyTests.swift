import Foundation
import Logging
import SaturnAgent
import SaturnModel
import SaturnSimulator
import SaturnTestKit
import Testing

/// Offers one parameter set for a number of steps, then another.
struct SwitchingOracle: AdmissionOracle {
    var first: LatencyParameters
    var second: LatencyParameters
    var switchAfter: Int
    var calls = 0
    var label: String { "switching" }
    mutating func parameters() -> LatencyParameters {
        calls += 1
        return calls <= switchAfter ? first : second
    }
    mutating func record(_ step: StepRecord) {}
}

func ownFit(_ truth: StepTruth, trace: RequestTrace) throws -> LatencyParameters {
    var recorder = RecordingPolicy(inner: StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64))
    _ = try ServingEngine(trace: trace, truth: truth, kvCapacity: 450_000).run(&recorder)
    let table = StepTable(
        batchSizes: recorder.steps.map { Double($0.batchSize) }, tokens: recorder.steps.map { Double($0.tokens) },
        latencies: recorder.steps.map(\.latencyMs))
    return try LatencyFitter.fit(
        table, configuration: FitConfiguration(objective: .relative, filter: RowFilter(minimumLatency: 0.1, maximumLatency: 1e6))
    ).parameters
}

struct RecordingPolicy<Inner: SchedulingPolicy>: SchedulingPolicy {
    var inner: Inner
    var name: String { inner.name }
    var steps: [StepRecord] = []
    mutating func plan(_ state: EngineState, into plan: inout StepPlan) throws { try inner.plan(state, into: &plan) }
    mutating func observe(_ step: StepRecord) throws {
        steps.append(step)
        try inner.observe(step)
    }
}

struct SaturnAdmissionPolicyTests {
    /// On a noiseless truth, learning online from a prior of other hardware, steps stay under the SLA.
    @Test(arguments: [80.0, 120.0])
    func keepsStepsUnderTheSLAOnANoiselessTruth(sla: Double) throws {
        let truth = try splitwiseTruth(noise: 0)
        let trace = try syntheticTrace(count: 200, rate: 1.5, seed: 11)
        let prior = PriorCatalog().choose(model: "llama2-70b", hardware: "unknown-gpu", known: []).parameters
        var policy = SaturnAdmissionPolicy(
            name: "saturn-inprocess", oracle: OnlineFitOracle(prior: prior, refitEvery: 400, window: 800, minimumSteps: 100),
            configuration: .init(slaMs: sla, ttftMs: 2000))
        let run = try ServingEngine(trace: trace, truth: truth, kvCapacity: 450_000).run(&policy)
        let m = RunMetrics(run, slaMs: sla, ttftMs: 2000)
        #expect(run.planViolations == 0 && run.stalled == 0)
        #expect(m.servedRequests == 200)
        #expect(m.sloMissFraction <= 0.01, "\(m.sloMissFraction)")
        #expect(policy.oracle.refits > 0)
        // Work-conserving enough to serve every request at this load.
        #expect(m.throughputTokensPerSecond > 0.9 * m.offeredTokensPerSecond)
    }

    /// With the engine's own fit given, the margin follows the live error and the cap is finite.
    @Test func marginAndCapComeFromTheModel() throws {
        let truth = try splitwiseTruth(noise: 0.02)
        let trace = try syntheticTrace(count: 300, rate: 4, seed: 3)
        let fitted = try ownFit(truth, trace: trace)
        var policy = SaturnAdmissionPolicy(
            name: "saturn", oracle: FixedParametersOracle(fitted), configuration: .init(slaMs: 100, ttftMs: 2000))
        let run = try ServingEngine(trace: trace, truth: truth, kvCapacity: 450_000, seed: 2).run(&policy)
        #expect(run.requests.allSatisfy { $0.completion > 0 && !$0.dropped })
        #expect(policy.lastMargin > -1 && policy.lastMargin < 0.5)
        #expect(policy.lastCap > 0 && policy.lastCap < 4096)
        let worst = min(max(policy.recentUnderPrediction.maximum, -0.5), 1)
        #expect(abs((1 - policy.lastMargin) * (1 + worst) - 1) < 1e-9)
    }

    /// An offered set that predicts the recent steps worse than the one in use is rejected.
    @Test func rejectsAWorseParameterSet() throws {
        let truth = try splitwiseTruth(noise: 0.02)
        let trace = try syntheticTrace(count: 200, rate: 3, seed: 5)
        let good = try ownFit(truth, trace: trace)
        var absurd = good
        absurd.tau0 = good.tau0 / 100
        absurd.tauB = 0
        absurd.tauS = 0
        absurd.w0 /= 100
        absurd.w1 /= 100
        var policy = SaturnAdmissionPolicy(
            name: "saturn", oracle: SwitchingOracle(first: good, second: absurd, switchAfter: 300),
            configuration: .init(slaMs: 100, ttftMs: 2000))
        let run = try ServingEngine(trace: trace, truth: truth, kvCapacity: 450_000).run(&policy)
        #expect(policy.rejections >= 1 && policy.adoptions == 0)
        #expect(RunMetrics(run, slaMs: 100, ttftMs: 2000).sloMissFraction < 0.01)
    }

    /// Dropping requests whose TTFT is lost: under a burst, served requests mostly meet the TTFT target, and
    /// the ones dropped had waited.
    @Test func dropsRequestsWhoseTTFTIsLost() throws {
        let truth = try splitwiseTruth(noise: 0.02)
        // 300 requests arriving within 3 s: far beyond what a 2 s TTFT allows.
        let trace = try syntheticTrace(count: 300, rate: 100, seed: 8)
        let fitted = try ownFit(truth, trace: try syntheticTrace(count: 300, rate: 4, seed: 3))
        var keep = SaturnAdmissionPolicy(name: "saturn", oracle: FixedParametersOracle(fitted),
                                         configuration: .init(slaMs: 100, ttftMs: 2000))
        var drop = SaturnAdmissionPolicy(name: "saturn-drop", oracle: FixedParametersOracle(fitted),
                                         configuration: .init(slaMs: 100, ttftMs: 2000, lost: .drop))
        let engine = ServingEngine(trace: trace, truth: truth, kvCapacity: 450_000)
        let kept = RunMetrics(try engine.run(&keep), slaMs: 100, ttftMs: 2000)
        let dropRun = try engine.run(&drop)
        let dropped = RunMetrics(dropRun, slaMs: 100, ttftMs: 2000)
        #expect(kept.droppedRequests == 0 && dropped.droppedRequests > 0)
        #expect(dropped.goodRequests >= kept.goodRequests)
        let served = dropRun.requests.filter { !$0.dropped }
        let onTime = served.filter { ($0.firstTokenTime - $0.arrival) * 1000 <= 2000 }.count
        #expect(Double(onTime) >= 0.8 * Double(served.count))
        for r in dropRun.requests where r.dropped { #expect(r.firstTokenTime < 0) }
    }

    /// The production path: telemetry to a live agent, its parameters queried every step.
    @Test func learnsFromALiveAgentOverTheBus() async throws {
        let truth = try splitwiseTruth(noise: 0.02)
        let trace = try syntheticTrace(count: 150, rate: 3, seed: 21)
        var logger = Logger(label: "test.simulator")
        logger.logLevel = .warning
        let agent = try Agent(configuration: .ephemeralLoopback(nodeID: "sim-test"), logger: logger)
        let counts = try await agent.withRunning { endpoints in
            let oracle = try AgentOracle(
                telemetry: endpoints.telemetry, query: endpoints.query,
                key: ModelKey(model: "llama2-70b", hardware: "sim-test-gpu"), workerID: "sim-test")
            defer { oracle.close() }
            var policy = SaturnAdmissionPolicy(name: "saturn", oracle: oracle, configuration: .init(slaMs: 100, ttftMs: 2000))
            let run = try ServingEngine(trace: trace, truth: truth, kvCapacity: 450_000).run(&policy)
            #expect(run.requests.allSatisfy { $0.completion > 0 && !$0.dropped })
            return (steps: run.stepLatenciesMs.count, queries: oracle.queries, published: oracle.published,
                    bus: oracle.busDecisions, local: oracle.localDecisions)
        }
        // One predict query per step, plus one admission query per decision the agent answered or was asked.
        #expect(counts.queries >= counts.steps && counts.published == counts.steps)
        #expect(counts.bus > 0 && counts.bus + counts.local <= counts.steps)
        #expect(agent.statistics.telemetryAccepted > 0)
    }
}
