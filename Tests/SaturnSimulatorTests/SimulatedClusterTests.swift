import Foundation
import SaturnSimulator
import SaturnTestKit
import Locking
import Testing

/// A static policy that throws after `failAfter` plans (a replica whose client fails).
struct FailingPolicy: SchedulingPolicy {
    var inner = StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64)
    var failAfter: Int
    var plans = 0
    var name: String { "failing" }

    mutating func plan(_ state: EngineState, into plan: inout StepPlan) throws {
        plans += 1
        if plans > failAfter { throw SimulationError(.invalidValue, "replica failure") }
        inner.plan(state, into: &plan)
    }

    mutating func observe(_ step: StepRecord) {}
}

struct SimulatedClusterTests {
    func scenario(count: Int = 240, seed: UInt64 = 5) throws -> SimulationScenario {
        try SimulationScenario(
            trace: try syntheticTrace(count: count, rate: 6, seed: seed), truth: try splitwiseTruth(),
            kvCapacity: 457_885, slaMs: 80, ttftMs: 2000, seed: seed)
    }

    @Test func roundRobinSharesEveryRequestOnceAndKeepsTheClock() throws {
        let trace = try syntheticTrace(count: 101, rate: 5, seed: 3)
        let shards = try trace.roundRobin(workers: 3)
        #expect(shards.map(\.requests.count) == [34, 34, 33])
        for (w, shard) in shards.enumerated() {
            for (k, r) in shard.requests.enumerated() { #expect(r == trace.requests[w + 3 * k]) }
        }
        // Shards keep the whole trace's arrival times (the second starts after 0).
        #expect(shards[1].requests[0].arrival == trace.requests[1].arrival && shards[1].requests[0].arrival > 0)
        #expect(shards[1].span == trace.requests[100].arrival - trace.requests[1].arrival)
        #expect(try trace.roundRobin(workers: 1) == [trace])
        #expect(throws: SimulationError.self) { try trace.roundRobin(workers: 0) }
        #expect(throws: SimulationError.self) { try trace.roundRobin(workers: 102) }
    }

    @Test func oneReplicaIsTheScenarioItself() throws {
        let s = try scenario()
        let cluster = try SimulatedCluster(scenario: s, workers: 1)
        var p = StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64)
        var alone = try s.metrics(&p, load: 1.5)
        alone.name = "static"
        let clustered = try cluster.metrics(load: 1.5, name: "static") { _ in
            StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64)
        }
        #expect(clustered == alone)
    }

    @Test func mergedRunsAddUp() throws {
        let s = try scenario()
        let cluster = try SimulatedCluster(scenario: s, workers: 2)
        var runs: [SimulationRun] = []
        for engine in try cluster.engines(load: 2) {
            var p = StaticBudgetPolicy(maxBatchedTokens: 256, maxSequences: 32)
            runs.append(try engine.run(&p))
        }
        let merged = SimulationRun(merging: runs, policy: "both")
        #expect(merged.policy == "both")
        #expect(merged.requests.count == 240)
        #expect(merged.stepLatenciesMs.count == runs[0].stepLatenciesMs.count + runs[1].stepLatenciesMs.count)
        #expect(merged.end == max(runs[0].end, runs[1].end))
        #expect(merged.kvCapacity == 2 * 457_885)
        #expect(merged.totalTokensComputed == runs[0].totalTokensComputed + runs[1].totalTokensComputed)
        let m = cluster.metrics(of: runs, load: 2, name: "both")
        let good = runs.map { RunMetrics($0, slaMs: 80, ttftMs: 2000) }.reduce(0) { $0 + $1.goodRequests }
        #expect(m.goodRequests == good && m.servedRequests + m.droppedRequests == 240)
        // Two replicas serve the same load with shorter queues than one.
        let one = try SimulatedCluster(scenario: s, workers: 1).metrics(load: 2, name: "one") { _ in
            StaticBudgetPolicy(maxBatchedTokens: 256, maxSequences: 32)
        }
        #expect(m.meanQueueLength <= one.meanQueueLength)
    }

    @Test func concurrentReplicasMatchSequentialOnesAndReportProgress() throws {
        let cluster = try SimulatedCluster(scenario: try scenario(), workers: 3)
        let sequential = try cluster.metrics(load: 1, name: "static") { _ in
            StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64)
        }
        var ticks = 0
        let result = try cluster.runConcurrently(
            load: 1, policy: { _ in StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64) },
            summary: { $0.maxBatchedTokens }, every: .milliseconds(1)
        ) { snapshots in
            #expect(snapshots.count == 3)
            ticks += 1
        }
        #expect(result.summaries == [512, 512, 512])
        #expect(cluster.metrics(of: result.runs, load: 1, name: "static") == sequential)
        // Final progress: every step and every admitted request counted, per replica.
        for (run, progress) in zip(result.runs, result.progress) {
            #expect(progress.steps == run.stepLatenciesMs.count)
            #expect(progress.stepsOverSLA == run.stepLatenciesMs.filter { $0 > 80 }.count)
            #expect(progress.admissions >= run.requests.filter { !$0.dropped }.count)
            #expect(progress.simulatedSeconds == run.end)
        }
        _ = ticks  // how many ticks ran depends on the machine's speed; their content is checked above
    }

    @Test func aFailingReplicaStopsTheOthersAndItsErrorIsThrown() throws {
        let cluster = try SimulatedCluster(scenario: try scenario(count: 400), workers: 2)
        do {
            _ = try cluster.runConcurrently(
                load: 1, speedup: 1000,
                policy: { w in FailingPolicy(failAfter: w == 0 ? 20 : Int.max) }, summary: { _ in 0 }
            ) { _ in }
            Issue.record("the run did not fail")
        } catch let error as SimulationError {
            #expect(error.code == .invalidValue && error.message == "replica failure")
        }
    }

    @Test func aThrowingProgressCallbackStopsEveryReplica() throws {
        struct Stop: Error {}
        let cluster = try SimulatedCluster(scenario: try scenario(count: 400), workers: 2)
        // Paced so that the run lasts far longer than the first progress call.
        #expect(throws: Stop.self) {
            _ = try cluster.runConcurrently(
                load: 1, speedup: 10, policy: { _ in StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64) },
                summary: { _ in 0 }, every: .milliseconds(20)
            ) { _ in throw Stop() }
        }
        #expect(throws: SimulationError.self) {
            _ = try cluster.runConcurrently(
                load: 1, speedup: 0, policy: { _ in StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64) },
                summary: { _ in 0 }
            ) { _ in }
        }
    }

    @Test func monitoredPolicyCountsWithoutChangingDecisions() throws {
        let s = try scenario()
        var plain = StaticBudgetPolicy(maxBatchedTokens: 384, maxSequences: 48)
        let progress = RunProgress(slaMs: 80)
        var monitored = MonitoredPolicy(StaticBudgetPolicy(maxBatchedTokens: 384, maxSequences: 48), progress: progress)
        let a = try s.simulate(&plain, load: 1)
        let b = try s.simulate(&monitored, load: 1)
        #expect(a.stepLatenciesMs == b.stepLatenciesMs && a.requests == b.requests)
        let snapshot = progress.snapshot
        #expect(snapshot.steps == b.stepLatenciesMs.count)
        #expect(snapshot.admissions >= 240 && snapshot.waiting == 0)
        progress.stop()
        #expect(progress.isStopRequested)
        #expect(throws: SimulationError.self) { _ = try s.simulate(&monitored, load: 1) }
    }
}
