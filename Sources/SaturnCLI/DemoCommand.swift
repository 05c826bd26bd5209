import ArgumentParser
import Foundation
import Logging
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnSimulator
import SaturnWire

/// `saturn demo`: an agent, simulated workers and Saturn admission through the agent on loopback, against static
/// budgets on the same trace, truth and load.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Serve a real request trace on simulated workers that admit through a live agent on loopback.",
        discussion: """
            Starts an agent on loopback (ports chosen by the system) and --workers simulated engines behind a \
            round-robin router. Each engine is the simulator's continuous-batching engine, timed by a ground truth \
            built from a measured step table (llama2-70b on 4 H100, Splitwise), not by the saturation model; it \
            publishes every step to the agent over ZeroMQ and, every step, asks the agent for its parameters and, \
            when it plans with them, for the admission decision (Saturn admission). The key is new to the agent, so it starts from a prior \
            and learns online. Live progress every second; at the end, the summary table of the Saturn run \
            against vLLM's default budget (static-default, 2048 x 256) and the best static budget of a grid \
            (static-best), each run on the same requests, truth, noise and load. The step table and the first \
            \(DemoData.traceRequests) requests of the Azure conversation trace are embedded in the binary.
            """)

    @Option(help: "Requests of the embedded trace to serve (1...\(DemoData.traceRequests)).")
    var requests = 1000

    @Option(help: "Load factor: multiple of the trace's arrival rate.")
    var load = 1.0

    @Option(name: .customLong("sla-ms"), help: "Step-latency SLA in ms (token gaps are held to it).")
    var slaMs = 80.0

    @Option(name: .customLong("ttft-ms"), help: "Time-to-first-token target in ms.")
    var ttftMs = 2000.0

    @Option(help: "Simulated workers (engines behind a round-robin router).")
    var workers = 2

    @Option(
        help: ArgumentHelp(
            "Saturn's variant: saturn (FCFS), saturn-spf (shortest prompt first), saturn-defer / saturn-drop "
                + "(requests whose TTFT is lost go last / are dropped), saturn-spf-drop; see `saturn simulate`.",
            valueName: "NAME"))
    var variant = SimulateCommand.SaturnVariant.saturn.rawValue

    @Option(
        help: ArgumentHelp(
            "Simulated seconds per second of wall time at most (0: as fast as possible; default: 25, or more if the "
                + "arrivals would then span more than 20 s of wall time).",
            valueName: "FACTOR"))
    var speedup: Double?

    @Option(help: "Relative standard deviation of the truth's multiplicative noise.")
    var noise = 0.02

    @Option(help: "Seed of the truth's noise.")
    var seed: UInt64 = 1

    @Option(
        name: .customLong("grid-tokens"), help: "max_num_batched_tokens values of the static grid (comma-separated).")
    var gridTokens = SimulationScenario.gridTokens.map(String.init).joined(separator: ",")

    @Option(name: .customLong("grid-seqs"), help: "max_num_seqs values of the static grid (comma-separated).")
    var gridSequences = SimulationScenario.gridSequences.map(String.init).joined(separator: ",")

    /// The least default of `--speedup`.
    static let defaultSpeedup = 25.0

    func validate() throws {
        guard (1...DemoData.traceRequests).contains(requests) else {
            throw ValidationError("--requests must be in 1...\(DemoData.traceRequests) (the embedded trace)")
        }
        guard load.isFinite, load > 0, load <= 1000 else { throw ValidationError("--load must be in (0, 1000]") }
        guard slaMs.isFinite, slaMs > 0, slaMs <= 100_000 else {
            throw ValidationError("--sla-ms must be a number in (0, 100000]")
        }
        guard ttftMs.isFinite, ttftMs > 0, ttftMs <= 3_600_000 else {
            throw ValidationError("--ttft-ms must be a number in (0, 3600000]")
        }
        guard (1...16).contains(workers), workers <= requests else {
            throw ValidationError("--workers (\(workers)) must be in 1...16 and at most --requests (\(requests))")
        }
        guard noise.isFinite, noise >= 0, noise < 0.5 else { throw ValidationError("--noise must be in 0..<0.5") }
        _ = try grid()
        _ = try saturnVariant()
        if let speedup, !(speedup.isFinite && speedup >= 0) {
            throw ValidationError("--speedup must be a number >= 0")
        }
    }

    func saturnVariant() throws -> SimulateCommand.SaturnVariant {
        guard let v = SimulateCommand.SaturnVariant(rawValue: variant), v.usesBus else {
            let names = SimulateCommand.SaturnVariant.allCases.filter(\.usesBus).map(\.rawValue)
            throw ValidationError("--variant must be one of \(names.joined(separator: ", ")), got '\(variant)'")
        }
        return v
    }

    func grid() throws -> (tokens: [Int], sequences: [Int]) {
        func parse(_ text: String, _ name: String) throws -> [Int] {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let values = parts.compactMap { Int($0) }
            guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ (1...1_000_000).contains($0) })
            else {
                throw ValidationError("\(name) takes comma-separated integers in 1...1000000, got '\(text)'")
            }
            return values
        }
        return (try parse(gridTokens, "--grid-tokens"), try parse(gridSequences, "--grid-seqs"))
    }

    /// What a replica's Saturn policy reports after its run (read on the replica's thread).
    struct ReplicaSummary: Sendable {
        var agentDecisions: Int
        var localDecisions: Int
        var published: Int
        var adoptions: Int
        var rejections: Int
        var margin: Double
        var cap: Int
    }

    func run() async throws {
        let table = try MeasuredStepTable.parse(text: DemoData.truthTableCSV, source: DemoData.truthTableName)
        let capacity = try KVCacheCapacity.of(table)
        let truth = try StepTruth(table: table, noise: noise, kvReadFloorMsPerToken: capacity.kvReadMsPerToken)
        let trace = try RequestTrace.parse(text: DemoData.traceCSV, source: DemoData.traceName, limit: requests)
        let scenario = try SimulationScenario(trace: trace, truth: truth, kvCapacity: capacity.tokens, slaMs: slaMs,
                                              ttftMs: ttftMs, seed: seed)
        let cluster = try SimulatedCluster(scenario: scenario, workers: workers)
        var logger = Logger(label: "saturn.demo")
        logger.logLevel = .warning
        let agent = try Agent(configuration: AgentConfiguration.ephemeralLoopback(nodeID: "demo"), logger: logger)
        try await agent.withRunning { endpoints in
            try await BlockingThread.run(name: "demo") {
                try demonstrate(cluster, table: table, capacity: capacity, endpoints: endpoints)
            }
        }
    }

    func demonstrate(_ cluster: SimulatedCluster, table: MeasuredStepTable, capacity: KVCacheCapacity,
                     endpoints: BoundEndpoints) throws {
        let scenario = cluster.scenario
        let truth = scenario.truth
        let key = ModelKey(model: table.model, hardware: "\(table.hardware)-tp\(table.tensorParallel)-sim")
        say("agent on loopback: telemetry \(endpoints.telemetry), query \(endpoints.query), "
            + "broadcast \(endpoints.broadcast)")
        say("truth: \(truth.description) (embedded), \(truth.buildPoints.count) measured settings reproduced within "
            + "\(Format.fixed((truth.buildPointErrors.max() ?? 0) * 100, 2))%, noise \(Format.fixed(noise * 100, 1))%; "
            + "not the saturation model")
        say("\(capacity.description) per worker")
        let saturation = try scenario.saturationLoad()
        say("load: the first \(scenario.trace.requests.count) requests of \(DemoData.traceName) (embedded) at "
            + "\(Format.fixed(load, 2))x their arrival rate, round robin over \(workers) worker(s); one worker "
            + "saturates at load \(Format.fixed(saturation, 2)), so this is about "
            + "\(Format.fixed(load / (saturation * Double(workers)), 2))x the deployment's saturation")
        // Paced so that the agent refits at a rate closer to a real deployment's; the default keeps the arrivals
        // within about 20 s of wall time.
        let pace = speedup ?? max(Self.defaultSpeedup, scenario.trace.span / load / 20)
        say(pace > 0
            ? "pace: simulated time runs at most \(Format.fixed(pace, 0))x as fast as the wall clock (--speedup 0: "
                + "as fast as the bus allows)"
            : "pace: as fast as the bus allows")
        say("targets: steps within \(Format.fixed(slaMs, 0)) ms (every token gap), TTFT within "
            + "\(Format.fixed(ttftMs, 0)) ms")

        let router = try Router(endpoint: endpoints.query, timeout: .seconds(2))
        defer { router.close() }
        let first = try router.predict(key, batchSize: 1, tokens: 1)
        let prior = PriorCatalog().choose(model: key.model, hardware: key.hardware, known: [])
        say("key \(key) is new to the agent: it answers from \(first.source.rawValue), version \(first.version) "
            + "(the catalog's choice for it: \(Self.describe(prior.choice))), and learns from the workers' telemetry")
        say("")

        // The Saturn run: every worker on its own thread with its own worker and router sockets.
        say("  wall    sim time   steps  admitted  waiting  steps > SLA    agent: steps  version  source         "
            + "error mean / p95")
        let started = ContinuousClock.now
        var lastReport: HealthReport.Key?
        let telemetry = endpoints.telemetry
        let query = endpoints.query
        let variant = try saturnVariant()
        let configuration = SaturnPolicyConfiguration(slaMs: slaMs, ttftMs: ttftMs, ordering: variant.ordering,
                                                      lost: variant.lost)
        // The model while the workers were busy: taken at the first progress line after the last arrival.
        let lastArrival = (scenario.trace.requests.last?.arrival ?? 0) / load
        var busy: (seconds: Double, version: UInt64, latenciesMs: [Double])?
        func report(_ snapshots: [RunProgress.Snapshot], final: Bool = false) throws {
            // Replicas run on one clock; one that has finished stays at its last step's time.
            let simulated = snapshots.map(\.simulatedSeconds).max() ?? 0
            if busy == nil, !final, simulated >= lastArrival {
                let p = try Self.predictions(router, key)
                busy = (simulated, p.version, p.latenciesMs)
            }
            let health = try router.health()
            let entry = health.keys.first { $0.key == key }
            lastReport = entry ?? lastReport
            let steps = snapshots.reduce(0) { $0 + $1.steps }
            let over = snapshots.reduce(0) { $0 + $1.stepsOverSLA }
            let agentPart = entry.map {
                String(format: "%12llu  %7llu  ", $0.observations, $0.version)
                    + Self.padded($0.source?.rawValue ?? "none", 13)
                    + String(format: "  %5.1f%% / %5.1f%%", $0.recentMeanRelativeError * 100,
                             $0.recentP95RelativeError * 100)
            } ?? "  (no telemetry for the key yet)"
            say(String(format: "%5.1f s %9.1f s %7d %9d %8d %6d (%5.2f%%)  ", (ContinuousClock.now - started).inSeconds,
                       simulated, steps, snapshots.reduce(0) { $0 + $1.admissions },
                       snapshots.reduce(0) { $0 + $1.waiting }, over,
                       steps > 0 ? Double(over) / Double(steps) * 100 : 0) + agentPart)
        }
        let saturn = try cluster.runConcurrently(
            load: load, speedup: pace > 0 ? pace : nil,
            policy: { w in
                let oracle = try AgentOracle(telemetry: telemetry, query: query, key: key, workerID: "demo-w\(w)")
                return SaturnAdmissionPolicy(name: variant.rawValue, oracle: oracle, configuration: configuration)
            },
            summary: { policy in
                defer { policy.oracle.close() }
                return ReplicaSummary(
                    agentDecisions: policy.oracle.busDecisions, localDecisions: policy.oracle.localDecisions,
                    published: policy.oracle.published, adoptions: policy.adoptions, rejections: policy.rejections,
                    margin: policy.lastMargin, cap: policy.lastCap)
            },
            every: .seconds(1), whileRunning: { try report($0) })
        let saturnSeconds = (ContinuousClock.now - started).inSeconds
        let runs = saturn.runs
        let summaries = saturn.summaries
        let published = summaries.reduce(0) { $0 + $1.published }
        let agentDecisions = summaries.reduce(0) { $0 + $1.agentDecisions }
        let localDecisions = summaries.reduce(0) { $0 + $1.localDecisions }
        // The last steps may still be on their way to the agent (telemetry and queries use different sockets).
        var health = try router.health()
        let deadline = ContinuousClock.now + .seconds(2)
        while health.telemetryAccepted < published, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            health = try router.health()
        }
        try report(saturn.progress, final: true)
        let saturnMetrics = cluster.metrics(of: runs, load: load, name: variant.rawValue)
        say("")
        let simulatedSeconds = runs.map(\.end).max() ?? 0
        say("\(variant.rawValue) run: \(Format.fixed(saturnSeconds, 1)) s wall for "
            + "\(Format.fixed(simulatedSeconds, 1)) s simulated; \(published) steps published, "
            + "\(health.telemetryAccepted) accepted by the agent, \(health.updatesPublished) parameter updates "
            + "broadcast")
        say("admission decisions: \(agentDecisions) answered by the agent's admission query, \(localDecisions) "
            + "decided in process on the set the policy kept; parameter sets adopted "
            + "\(summaries.reduce(0) { $0 + $1.adoptions }), rejected \(summaries.reduce(0) { $0 + $1.rejections }); "
            + "final margin \(summaries.map { Format.fixed($0.margin, 3) }.joined(separator: "/")), "
            + "concurrency cap \(summaries.map { String($0.cap) }.joined(separator: "/"))")
        if let k = lastReport {
            say("agent's fit for \(key): version \(k.version) from \(k.source?.rawValue ?? "none"), "
                + "\(k.observations) steps, \(k.fitsAccepted) fits accepted and \(k.fitsRejected) rejected, recent "
                + "relative error mean \(Format.fixed(k.recentMeanRelativeError * 100, 1))% p95 "
                + "\(Format.fixed(k.recentP95RelativeError * 100, 1))%")
        }
        if !health.drops.isEmpty { say("agent drops: \(health.drops)") }
        try compare(router: router, key: key, truth: truth, busy: busy)
        guard health.telemetryAccepted > 0, agentDecisions > 0 else {
            throw CLIError("the bus path did not work: \(health.telemetryAccepted) steps reached the agent, "
                + "\(agentDecisions) admissions were answered by it")
        }

        // The static budgets on the same requests, truth, noise and load (in process, one replica after another).
        let gridValues = try grid()
        let staticStarted = ContinuousClock.now
        let defaultMetrics = try cluster.metrics(load: load, name: "static-default") { _ in
            StaticBudgetPolicy(maxBatchedTokens: SimulationScenario.defaultBudget.tokens,
                               maxSequences: SimulationScenario.defaultBudget.sequences)
        }
        var best: (metrics: RunMetrics, setting: String)?
        for t in gridValues.tokens {
            for s in gridValues.sequences {
                let m = try cluster.metrics(load: load, name: "static-best") { _ in
                    StaticBudgetPolicy(maxBatchedTokens: t, maxSequences: s)
                }
                let better = best.map {
                    (m.goodputTokensPerSecond, -m.sloMissFraction)
                        > ($0.metrics.goodputTokensPerSecond, -$0.metrics.sloMissFraction)
                }
                if better ?? true {
                    best = (m, "\(t)x\(s)")
                }
            }
        }
        let settings = gridValues.tokens.count * gridValues.sequences.count
        let staticSeconds = (ContinuousClock.now - staticStarted).inSeconds
        say("static budgets: the default and \(settings) grid settings in \(Format.fixed(staticSeconds, 1)) s")
        say("")

        var table = SimulationReport(title: "demo")
        table.entries.append(.init(load: load, metrics: saturnMetrics, setting: "agent \(key), over the bus"))
        if let best {
            table.entries.append(
                .init(load: load, metrics: best.metrics,
                      setting: "\(best.setting), best goodput of \(settings) settings"))
        }
        table.entries.append(.init(load: load, metrics: defaultMetrics, setting: "2048x256 (vLLM's default)"))
        say(table.markdown())
        if let best, best.metrics.goodputTokensPerSecond > 0 {
            let goodput = saturnMetrics.goodputTokensPerSecond
            say("\(variant.rawValue)'s goodput is \(Format.fixed(goodput / best.metrics.goodputTokensPerSecond, 2))x "
                + "static-best (a grid search for this very scenario, which a deployment does not get to run)"
                + (defaultMetrics.goodputTokensPerSecond > 0
                    ? " and \(Format.fixed(goodput / defaultMetrics.goodputTokensPerSecond, 1))x static-default"
                    : "; static-default has no goodput"))
        }
    }

    /// Typical steps of the trace to compare the agent's model with the truth at: decodes at 1,200 tokens of
    /// context each (about the trace's mean prompt plus a few hundred generated tokens), chunks next to decodes,
    /// and prompts alone.
    static let typicalSteps: [(label: String, shape: StepShape)] = {
        let context = 1200
        var steps: [(String, StepShape)] = []
        for d in [1, 8, 32, 64] {
            var s = StepShape()
            s.decodeRequests = d
            s.decodeContextTokens = d * context
            steps.append((d == 1 ? "1 decode" : "\(d) decodes", s))
        }
        for (d, chunk) in [(32, 64), (32, 256), (0, 512), (0, 2048)] {
            var s = StepShape()
            s.decodeRequests = d
            s.decodeContextTokens = d * context
            s.prefillRequests = 1
            s.prefillTokens = chunk
            steps.append((d > 0 ? "\(d) decodes + a \(chunk)-token chunk" : "one \(chunk)-token prompt", s))
        }
        return steps
    }()

    /// The agent's predictions of ``typicalSteps`` and the version they come from.
    static func predictions(_ router: Router, _ key: ModelKey) throws -> (version: UInt64, latenciesMs: [Double]) {
        var version: UInt64 = 0
        let latencies = try typicalSteps.map { step in
            let p = try router.predict(key, batchSize: Double(step.shape.batchSize), tokens: Double(step.shape.tokens))
            version = p.version
            return p.latencyMs
        }
        return (version, latencies)
    }

    /// Prints the agent's predictions of ``typicalSteps`` at the last arrival (`busy`, when taken) and now, next to
    /// the noiseless truth.
    func compare(router: Router, key: ModelKey, truth: StepTruth,
                 busy: (seconds: Double, version: UInt64, latenciesMs: [Double])?) throws {
        let end = try Self.predictions(router, key)
        say("the agent's model against the truth without noise at typical steps (decodes at 1200 tokens of "
            + "context each):")
        var header = "  " + Self.padded("step", 32) + "   B      S   truth ms"
        if let busy {
            let title = "  agent v\(busy.version) at \(Format.fixed(busy.seconds, 0)) s (last arrival)"
            header += "  " + Self.padded(title, 33)
        }
        say(header + "    agent v\(end.version) at the end")
        for (i, step) in Self.typicalSteps.enumerated() {
            let t = truth.latencyMs(step.shape)
            func cell(_ ms: Double) -> String { String(format: "%8.1f ms %+7.1f%%", ms, (ms / t - 1) * 100) }
            var line = "  " + Self.padded(step.label, 32)
                + String(format: "%4d %6d %10.1f", step.shape.batchSize, step.shape.tokens, t)
            if let busy {
                line += "  " + Self.padded(cell(busy.latenciesMs[i]), 33)
            }
            say(line + "  " + cell(end.latenciesMs[i]))
        }
    }

    static func describe(_ choice: PriorCatalog.Choice) -> String {
        switch choice {
        case .nearestKey(let model, let hardware): "the nearest key \(model)@\(hardware)"
        case .shippedPrior(let model, let hardware): "the shipped prior \(model)@\(hardware)"
        case .genericDefault: "the generic default"
        }
    }

    /// `text` padded with spaces to `width` characters (Foundation's `%-N@` does not pad on Linux).
    static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// Prints a line to standard output at once (progress is read live).
    func say(_ line: String) {
        print(line)
        fflush(nil)
    }
}
