/// A scenario: a trace, a ground truth and its KV cache, an SLA and a TTFT target; runs policies at a load.
///
/// ```swift
/// let scenario = SimulationScenario(trace: trace, truth: truth, kvCapacity: 450_000, slaMs: 80, ttftMs: 2000)
/// let grid = try scenario.runStaticGrid(load: 2)          // every static setting, in grid order
/// let best = grid.max { $0.goodputTokensPerSecond < $1.goodputTokensPerSecond }
/// ```
public struct SimulationScenario: Sendable {
    /// The trace at load 1.
    public var trace: RequestTrace
    public var truth: StepTruth
    /// KV-cache capacity in tokens.
    public var kvCapacity: Int
    /// Step-latency SLA in ms.
    public var slaMs: Double
    /// TTFT target in ms.
    public var ttftMs: Double
    /// Seed of the truth's noise (the same for every policy, so they see the same noise sequence per step index).
    public var seed: UInt64

    /// The `max_num_batched_tokens` values of the static grid.
    public static let gridTokens = [128, 192, 256, 320, 384, 448, 512, 640, 768, 1024, 1536, 2048, 4096, 8192]
    /// The `max_num_seqs` values of the static grid.
    public static let gridSequences = [16, 24, 32, 48, 64, 96, 128, 256]
    /// vLLM's default budget (`max_num_batched_tokens` 2048, `max_num_seqs` 256), reported as `static-default`.
    public static let defaultBudget = (tokens: 2048, sequences: 256)

    /// - Throws: ``SimulationError`` (`invalidConfiguration`) unless `slaMs` and `ttftMs` are finite and > 0 and
    ///   the KV capacity is >= 1 token.
    public init(trace: RequestTrace, truth: StepTruth, kvCapacity: Int, slaMs: Double, ttftMs: Double = 2000,
                seed: UInt64 = 1) throws(SimulationError) {
        guard slaMs.isFinite, slaMs > 0, ttftMs.isFinite, ttftMs > 0 else {
            throw SimulationError(.invalidConfiguration, "the SLA and the TTFT target must be finite and > 0 ms")
        }
        guard kvCapacity >= 1 else {
            throw SimulationError(.invalidConfiguration, "the KV-cache capacity must be >= 1 token")
        }
        self.trace = trace
        self.truth = truth
        self.kvCapacity = kvCapacity
        self.slaMs = slaMs
        self.ttftMs = ttftMs
        self.seed = seed
    }

    /// Runs `policy` on the trace at `load` and returns the run.
    /// - Throws: ``SimulationError`` for a load that is not finite and > 0; what the policy throws.
    public func simulate(_ policy: inout some SchedulingPolicy, load: Double) throws -> SimulationRun {
        let scaled = try trace.scaled(byLoad: load)
        let engine = ServingEngine(trace: scaled, truth: truth, kvCapacity: kvCapacity, seed: seed)
        return try engine.run(&policy)
    }

    /// Runs `policy` at `load` and returns its figures.
    public func metrics(_ policy: inout some SchedulingPolicy, load: Double) throws -> RunMetrics {
        let run = try simulate(&policy, load: load)
        return RunMetrics(run, slaMs: slaMs, ttftMs: ttftMs, offeredSpanSeconds: trace.span / load)
    }

    /// Runs every setting of a static grid at `load`, in grid order (tokens outer, sequences inner).
    /// - Parameters:
    ///   - tokens: the `max_num_batched_tokens` values (default ``gridTokens``).
    ///   - sequences: the `max_num_seqs` values (default ``gridSequences``).
    ///   - progress: called after each setting with (done, total).
    public func runStaticGrid(load: Double, tokens: [Int] = gridTokens, sequences: [Int] = gridSequences,
                              progress: (Int, Int) -> Void = { _, _ in }) throws -> [RunMetrics] {
        var out: [RunMetrics] = []
        let total = tokens.count * sequences.count
        for t in tokens {
            for s in sequences {
                var p = StaticBudgetPolicy(maxBatchedTokens: t, maxSequences: s)
                out.append(try metrics(&p, load: load))
                progress(out.count, total)
            }
        }
        return out
    }

    /// The saturation load: the load factor at which the trace offers output tokens as fast as the engine can
    /// produce them at most, i.e. the output-token throughput of the largest static budget (8192 tokens x 256
    /// requests) when every request arrives at once, divided by the trace's output-token rate at load 1. Above
    /// it, queues grow without bound whatever the policy.
    public func saturationLoad() throws -> Double {
        var p = StaticBudgetPolicy(maxBatchedTokens: 8192, maxSequences: 256)
        let burst = try trace.scaled(byLoad: 1e9)
        let run = try ServingEngine(trace: burst, truth: truth, kvCapacity: kvCapacity, seed: seed).run(&p)
        let m = RunMetrics(run, slaMs: slaMs, ttftMs: ttftMs)
        let offered = Double(trace.outputTokens) / max(trace.span, 1e-9)
        return m.throughputTokensPerSecond / offered
    }
}
