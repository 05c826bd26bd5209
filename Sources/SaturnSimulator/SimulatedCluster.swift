import Dispatch
import Foundation
import Locking

/// A deployment of ``workers`` replicas of one engine behind a round-robin router: request `i` of the scenario's
/// trace (by arrival, at a given load) goes to replica `i % workers` (``RequestTrace/roundRobin(workers:)``);
/// each replica is a ``ServingEngine`` with the scenario's truth and KV capacity, its noise seeded with the
/// scenario's seed plus its index, and its own policy. The figures are those of the replicas' runs merged
/// (``SimulationRun/init(merging:policy:)``): the deployment's goodput, SLA misses and latencies.
///
/// Replicas run one after the other on the caller's thread (``metrics(load:name:policy:)``), or side by side on
/// a thread each (``runConcurrently(load:speedup:policy:summary:every:whileRunning:)``), for policies that talk
/// to a live agent: every replica then publishes its steps and asks its questions at once, as real workers do.
///
/// ```swift
/// let cluster = try SimulatedCluster(scenario: scenario, workers: 2)
/// let tuned = try cluster.metrics(load: 1, name: "static-512x64") { _ in
///     StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64)
/// }
/// ```
public struct SimulatedCluster: Sendable {
    public let scenario: SimulationScenario
    /// Replicas (engines).
    public let workers: Int

    /// - Throws: ``SimulationError`` (`invalidConfiguration`) unless `workers` is in 1...(requests in the trace).
    public init(scenario: SimulationScenario, workers: Int) throws(SimulationError) {
        guard workers >= 1, workers <= scenario.trace.requests.count else {
            throw SimulationError(
                .invalidConfiguration,
                "the replicas must number 1...\(scenario.trace.requests.count) (the trace's requests), got \(workers)")
        }
        self.scenario = scenario
        self.workers = workers
    }

    /// Each replica's engine at `load`.
    /// - Throws: ``SimulationError`` for a load that is not finite and > 0.
    public func engines(load: Double) throws(SimulationError) -> [ServingEngine] {
        let shards = try scenario.trace.scaled(byLoad: load).roundRobin(workers: workers)
        return shards.enumerated().map { w, shard in
            ServingEngine(trace: shard, truth: scenario.truth, kvCapacity: scenario.kvCapacity,
                          seed: scenario.seed &+ UInt64(w))
        }
    }

    /// The deployment's figures from its replicas' runs at `load`.
    public func metrics(of runs: [SimulationRun], load: Double, name: String) -> RunMetrics {
        RunMetrics(SimulationRun(merging: runs, policy: name), slaMs: scenario.slaMs, ttftMs: scenario.ttftMs,
                   offeredSpanSeconds: scenario.trace.span / load)
    }

    /// Runs the replicas one after the other on this thread, each with the policy `policy(replica)`, and returns
    /// the deployment's figures under `name`.
    /// - Throws: ``SimulationError`` for a bad load; what a policy throws.
    public func metrics<Policy: SchedulingPolicy>(load: Double, name: String, policy: (Int) throws -> Policy) throws
        -> RunMetrics
    {
        var runs: [SimulationRun] = []
        for (w, engine) in try engines(load: load).enumerated() {
            var p = try policy(w)
            runs.append(try engine.run(&p))
        }
        return metrics(of: runs, load: load, name: name)
    }

    /// What ``runConcurrently(load:speedup:policy:summary:every:whileRunning:)`` returns.
    public struct ConcurrentRun<Summary: Sendable>: Sendable {
        /// Each replica's run, in replica order.
        public var runs: [SimulationRun]
        /// Each replica's summary of its policy after its run.
        public var summaries: [Summary]
        /// Each replica's progress at the end.
        public var progress: [RunProgress.Snapshot]
    }

    /// Runs every replica's engine on a thread of its own at once, with the policy `policy(replica)` made on that
    /// thread (so that the sockets a policy holds belong to it) and wrapped in a ``MonitoredPolicy``; the caller's
    /// thread waits and calls `whileRunning` with every replica's ``RunProgress/Snapshot`` about every `interval`
    /// until all have finished; with a `speedup`, simulated time runs at most that many times as fast as the wall
    /// clock (``MonitoredPolicy/Pacing``). When a replica fails or `whileRunning` throws, every other replica is
    /// stopped (``RunProgress/stop()``) and the first error is thrown once all threads have ended.
    /// - Parameters:
    ///   - summary: called on the replica's thread after its run, e.g. to read and close the policy's client.
    /// - Throws: ``SimulationError`` for a bad load or speedup; the first error of a replica or of `whileRunning`.
    public func runConcurrently<Policy: SchedulingPolicy, Summary: Sendable>(
        load: Double, speedup: Double? = nil, policy: @escaping @Sendable (Int) throws -> Policy,
        summary: @escaping @Sendable (inout Policy) -> Summary, every interval: Duration = .seconds(1),
        whileRunning: ([RunProgress.Snapshot]) throws -> Void
    ) throws -> ConcurrentRun<Summary> {
        let engines = try engines(load: load)
        let progress = engines.map { _ in RunProgress(slaMs: scenario.slaMs) }
        let slots = engines.map { _ in Slot<Result<(SimulationRun, Summary), any Error>>() }
        let finished = DispatchSemaphore(value: 0)
        if let speedup, !(speedup.isFinite && speedup > 0) {
            throw SimulationError(.invalidConfiguration, "the speedup must be a finite number > 0, got \(speedup)")
        }
        let pacing = speedup.map { MonitoredPolicy<Policy>.Pacing(start: .now, speedup: $0) }
        for (w, engine) in engines.enumerated() {
            let (slot, replicaProgress) = (slots[w], progress[w])
            let thread = Thread {
                let result = Result { () throws -> (SimulationRun, Summary) in
                    var monitored = MonitoredPolicy(try policy(w), progress: replicaProgress, pacing: pacing)
                    let run = try engine.run(&monitored)
                    return (run, summary(&monitored.inner))
                }
                if case .failure = result { for p in progress { p.stop() } }
                slot.value.withLock { $0 = result }
                finished.signal()
            }
            thread.name = "replica-\(w)"
            thread.start()
        }
        var done = 0
        var failure: (any Error)?
        var due = ContinuousClock.now + interval
        while done < engines.count {
            let wait = max(Duration.zero, min(due - ContinuousClock.now, .milliseconds(100)))
            let nanoseconds = Int(wait.components.seconds) * 1_000_000_000
                + Int(wait.components.attoseconds / 1_000_000_000)
            if finished.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success {
                done += 1
                continue
            }
            guard failure == nil, ContinuousClock.now >= due else { continue }
            due = ContinuousClock.now + interval
            do {
                try whileRunning(progress.map(\.snapshot))
            } catch {
                failure = error
                for p in progress { p.stop() }
            }
        }
        var out = ConcurrentRun<Summary>(runs: [], summaries: [], progress: progress.map(\.snapshot))
        for slot in slots {
            switch slot.value.withLock({ $0 }) {
            case .success(let (run, s))?:
                out.runs.append(run)
                out.summaries.append(s)
            case .failure(let error)?:
                // A replica stopped because another failed reports `cancelled`: prefer the cause.
                if failure == nil || (failure as? SimulationError)?.code == .cancelled { failure = error }
            case nil:
                preconditionFailure("a replica's thread ended without a result")
            }
        }
        if let failure { throw failure }
        return out
    }
}

/// A value written by one thread and read by another after it signalled.
private final class Slot<Value: Sendable>: Sendable {
    let value = Locked<Value?>(nil)
}
