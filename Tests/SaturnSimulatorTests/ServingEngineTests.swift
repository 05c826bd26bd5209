import Foundation
import SaturnNumerics
import SaturnSimulator
import SaturnTestKit
import Testing

/// A seeded synthetic trace: Poisson arrivals at `rate` per second, prompts 16...4000, outputs 1...300.
func syntheticTrace(count: Int, rate: Double, seed: UInt64) throws -> RequestTrace {
    var rng = SplitMix64(seed: seed)
    var t = 0.0
    var requests: [RequestTrace.Request] = []
    for _ in 0..<count {
        t += -Foundation.log(max(rng.nextUniform(), 1e-12)) / rate
        requests.append(.init(arrival: t, inputTokens: 16 + Int(rng.nextUniform() * 3984),
                              outputTokens: 1 + Int(rng.nextUniform() * 300)))
    }
    return try RequestTrace(requests: requests)
}

func splitwiseTruth(noise: Double = 0.02) throws -> StepTruth {
    let table = try MeasuredStepTable.load(Repository.dataFile("steps_splitwise_llama2-70b_h100-80gb_tp4.csv").path)
    return try StepTruth(table: table, noise: noise, kvReadFloorMsPerToken: try KVCacheCapacity.of(table).kvReadMsPerToken)
}

/// Wraps a policy and checks every plan and step against the engine's state.
struct CheckingPolicy<Inner: SchedulingPolicy>: SchedulingPolicy {
    var inner: Inner
    var name: String { inner.name }
    var steps: [StepRecord] = []
    var maximumKVUsed = 0
    var kvCapacity = 0
    var maximumRunning = 0
    var plannedTokens: [Int] = []

    mutating func plan(_ state: EngineState, into plan: inout StepPlan) throws {
        try inner.plan(state, into: &plan)
        maximumKVUsed = max(maximumKVUsed, state.kvUsed)
        kvCapacity = state.kvCapacity
        maximumRunning = max(maximumRunning, state.running.count + plan.admissions.count)
        plannedTokens.append(plan.runningTokens.reduce(0, +) + plan.admissions.reduce(0) { $0 + $1.tokens })
        // KV held equals the sum over running requests.
        let held = state.running.reduce(0) { $0 + state.requests[$1].heldTokens }
        #expect(held == state.kvUsed)
    }

    mutating func observe(_ step: StepRecord) throws {
        steps.append(step)
        try inner.observe(step)
    }
}

struct ServingEngineTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func invariantsOnSeededTraces(seed: UInt64) throws {
        let trace = try syntheticTrace(count: 300, rate: 8, seed: seed)
        // A small KV cache forces preemptions.
        let capacity = 40_000
        let engine = ServingEngine(trace: trace, truth: try splitwiseTruth(), kvCapacity: capacity, seed: seed)
        var policy = CheckingPolicy(inner: StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64))
        let run = try engine.run(&policy)
        #expect(run.planViolations == 0 && run.stalled == 0)
        #expect(run.preemptions > 0)
        #expect(run.peakKVUsed <= capacity && policy.maximumKVUsed <= capacity)
        var promptsComputed = 0
        for (r, q) in zip(run.requests, trace.requests) {
            // Every request finishes with exactly its output tokens.
            #expect(!r.dropped && r.completion > 0 && r.generated == q.outputTokens)
            #expect(r.firstTokenTime >= q.arrival && r.lastTokenTime <= r.completion + 1e-12)
            #expect(r.lastTokenTime >= r.firstTokenTime && r.maximumGap >= 0)
            if q.outputTokens == 1 { #expect(r.maximumGap == 0 && r.firstTokenTime == r.completion) }
            promptsComputed += q.inputTokens
        }
        // Token conservation: tokens computed = prompts + decodes (+ recomputation after preemptions).
        let decodes = trace.requests.reduce(0) { $0 + $1.outputTokens - 1 }
        if run.preemptions == 0 {
            #expect(run.totalTokensComputed == promptsComputed + decodes)
        } else {
            #expect(run.totalTokensComputed > promptsComputed + decodes)
        }
        #expect(run.stepLatenciesMs.count == policy.steps.count)
        #expect(policy.steps.map(\.tokens).reduce(0, +) == run.totalTokensComputed)
        // Clock bookkeeping: each step ends after the previous by its latency.
        for k in 1..<policy.steps.count {
            let dt = (policy.steps[k].endTime - policy.steps[k - 1].endTime) * 1000
            #expect(dt >= policy.steps[k].latencyMs - 1e-6)
        }
    }

    @Test func conservesTokensWithoutPreemption() throws {
        let trace = try syntheticTrace(count: 200, rate: 4, seed: 9)
        let engine = ServingEngine(trace: trace, truth: try splitwiseTruth(), kvCapacity: 1_000_000, seed: 1)
        var policy = StaticBudgetPolicy(maxBatchedTokens: 1024, maxSequences: 32)
        let run = try engine.run(&policy)
        #expect(run.preemptions == 0)
        let expected = trace.requests.reduce(0) { $0 + $1.inputTokens + $1.outputTokens - 1 }
        #expect(run.totalTokensComputed == expected)
    }

    /// TTFT and gaps: one request alone, noiseless truth, known step latencies.
    @Test func ttftAndGapBookkeeping() throws {
        let truth = try splitwiseTruth(noise: 0)
        let trace = try RequestTrace(requests: [.init(arrival: 0, inputTokens: 600, outputTokens: 3)])
        var policy = CheckingPolicy(inner: StaticBudgetPolicy(maxBatchedTokens: 256, maxSequences: 8))
        let run = try ServingEngine(trace: trace, truth: truth, kvCapacity: 100_000).run(&policy)
        // Chunks 256, 256, 88 then two decodes.
        #expect(policy.steps.map(\.tokens) == [256, 256, 88, 1, 1])
        let t = policy.steps.map(\.endTime)
        let r = run.requests[0]
        #expect(r.firstTokenTime == t[2])
        #expect(abs(r.maximumGap - max(t[3] - t[2], t[4] - t[3])) < 1e-12)
        #expect(r.completion == t[4])
        #expect(abs(policy.steps[3].latencyMs - truth.decodeLatencyMs(requests: 1, contextTokens: 600)) < 1e-9)
        #expect(policy.steps[1].kvContextTokens == 256)  // the second chunk reads the first
    }

    /// The static policy never exceeds its token budget or its running-request cap.
    @Test(arguments: [(128, 16), (512, 64), (2048, 256)])
    func staticPolicyRespectsItsBudgets(tokens: Int, sequences: Int) throws {
        let trace = try syntheticTrace(count: 400, rate: 20, seed: 5)
        var policy = CheckingPolicy(inner: StaticBudgetPolicy(maxBatchedTokens: tokens, maxSequences: sequences))
        let run = try ServingEngine(trace: trace, truth: try splitwiseTruth(), kvCapacity: 400_000).run(&policy)
        #expect(run.planViolations == 0)
        #expect(policy.steps.allSatisfy { $0.tokens <= tokens })
        #expect(policy.plannedTokens.allSatisfy { $0 <= tokens })
        #expect(policy.maximumRunning <= sequences)
        #expect(policy.steps.contains { $0.tokens == tokens } || tokens > 1500)  // the budget is used
    }

    @Test func traceLoadingAndScaling() throws {
        let trace = try RequestTrace.load(Repository.dataFile("trace_azure_code_2023.csv").path)
        #expect(trace.requests.count == 8819)
        let conv = try RequestTrace.load(Repository.dataFile("trace_azure_conv_2023.csv").path, limit: 100)
        #expect(conv.requests.count == 100)
        let doubled = try conv.scaled(byLoad: 2)
        #expect(abs(doubled.span * 2 - conv.span) < 1e-9)
        #expect(throws: SimulationError.self) { try conv.scaled(byLoad: 0) }
        #expect(throws: SimulationError.self) { try conv.scaled(byLoad: .nan) }
        #expect(throws: SimulationError.self) {
            try RequestTrace(requests: [.init(arrival: 0, inputTokens: -1, outputTokens: 3)])
        }
        #expect(throws: SimulationError.self) { try RequestTrace(requests: []) }
    }
}
