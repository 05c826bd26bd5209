import ArgumentParser
import Foundation
import Logging
import SaturnAgent
import SaturnModel
import SaturnSimulator

/// `saturn simulate`: the trace-driven serving simulator (static budgets against Saturn admission).
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate continuous batching on a request trace with a ground truth from real step tables.",
        discussion: """
            Each --truth table (data/steps_*.csv) is a scenario: its step latencies, interpolated (not the \
            saturation model), time a vLLM-like engine whose KV cache is derived from the model and the GPUs. \
            At each --load (a multiple of the trace's arrival rate) the command runs the static grid \
            max_num_batched_tokens x max_num_seqs and reports the best setting (static-best) and vLLM's default \
            2048/256 (static-default), then the Saturn policies. Goodput counts the output tokens of requests \
            whose TTFT met --ttft-ms and whose every token gap met --sla-ms.
            """)

    @Option(help: "Request trace CSV (arrival_s,input_tokens,output_tokens).")
    var trace: String

    @Option(help: "Step table CSV used as ground truth (repeatable: one scenario each).")
    var truth: [String] = []

    @Option(name: .customLong("sla-ms"), help: "Step-latency SLA in ms (token gaps are held to it).")
    var slaMs: Double

    @Option(name: .customLong("ttft-ms"), help: "Time-to-first-token target in ms.")
    var ttftMs: Double = 2000

    @Option(help: "Load factors (comma-separated multiples of the trace's arrival rate), e.g. 0.5,1,2,4.")
    var load: String

    @Option(help: "Use the first N requests of the trace.")
    var requests: Int = 1000

    @Option(help: "Relative standard deviation of the truth's multiplicative noise.")
    var noise: Double = 0.02

    @Option(help: "Seed of the truth's noise.")
    var seed: UInt64 = 1

    @Option(name: .customLong("kv-tokens"), help: "KV-cache capacity in tokens (default: derived from the table's model and GPUs).")
    var kvTokens: Int?

    @Option(name: .customLong("grid-tokens"), help: "max_num_batched_tokens values of the static grid (comma-separated).")
    var gridTokens = SimulationScenario.gridTokens.map(String.init).joined(separator: ",")

    @Option(name: .customLong("grid-seqs"), help: "max_num_seqs values of the static grid (comma-separated).")
    var gridSequences = SimulationScenario.gridSequences.map(String.init).joined(separator: ",")

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    @Flag(name: .customLong("all-static"), help: "Report every static grid setting, not only the best and the default.")
    var allStatic = false

    @Option(
        help: ArgumentHelp(
            "Saturn variants to run (comma-separated; 'none' for none): saturn (over the bus, FCFS), saturn-spf "
                + "(shortest prompt first), saturn-defer / saturn-drop (requests whose TTFT is lost go last / are "
                + "dropped), saturn-spf-drop, saturn-inprocess (in-process online fit, FCFS).",
            valueName: "NAMES"))
    var saturn = SaturnVariant.allCases.map(\.rawValue).joined(separator: ",")

    @Option(name: .customLong("agent-telemetry"), help: "Telemetry endpoint of a running agent (default: start one in process).")
    var agentTelemetry: String?

    @Option(
        name: .customLong("agent-adaptation"),
        help: "Adaptation paths of the in-process agent: both (its default), updater or refit.")
    var agentAdaptation: String = "both"

    @Option(name: .customLong("agent-query"), help: "Query endpoint of a running agent (with --agent-telemetry).")
    var agentQuery: String?

    @Option(
        name: .customLong("steps-csv"),
        help: ArgumentHelp(
            "Write every step of the static-default run (2048 x 256) to this CSV (B, S, T_ms, split, KV tokens): "
                + "the telemetry a passive agent beside today's vLLM defaults would see, for `saturn fit` or "
                + "`saturn plan --table`. Needs one --truth and one --load."))
    var stepsCSV: String?

    @Option(name: .customLong("svg-dir"), help: "Write goodput and SLA-miss plots (SVG) per scenario into this directory.")
    var svgDirectory: String?

    func validate() throws {
        guard !truth.isEmpty else { throw ValidationError("give at least one --truth table") }
        guard slaMs.isFinite, slaMs > 0 else { throw ValidationError("--sla-ms must be a finite number > 0") }
        guard ttftMs.isFinite, ttftMs > 0 else { throw ValidationError("--ttft-ms must be a finite number > 0") }
        guard requests >= 1, requests <= 1_000_000 else { throw ValidationError("--requests must be in 1...1000000") }
        guard noise.isFinite, noise >= 0, noise < 0.5 else { throw ValidationError("--noise must be in 0..<0.5") }
        if let kvTokens, kvTokens < 1 { throw ValidationError("--kv-tokens must be >= 1") }
        let loadCount = try loads().count
        if stepsCSV != nil, truth.count != 1 || loadCount != 1 {
            throw ValidationError("--steps-csv needs exactly one --truth and one --load")
        }
        _ = try loads()
        _ = try variants()
        _ = try grid()
        guard AgentConfiguration.AdaptationPaths(rawValue: agentAdaptation) != nil else {
            throw ValidationError("--agent-adaptation must be both, updater or refit")
        }
        guard (agentTelemetry == nil) == (agentQuery == nil) else {
            throw ValidationError("give both --agent-telemetry and --agent-query, or neither")
        }
    }

    /// The Saturn variants of `saturn simulate`.
    enum SaturnVariant: String, CaseIterable {
        case saturn
        case saturnSPF = "saturn-spf"
        case saturnDefer = "saturn-defer"
        case saturnDrop = "saturn-drop"
        case saturnSPFDrop = "saturn-spf-drop"
        case saturnInProcess = "saturn-inprocess"

        var usesBus: Bool { self != .saturnInProcess }
        var ordering: SaturnPolicyConfiguration.Ordering {
            self == .saturnSPF || self == .saturnSPFDrop ? .shortestPrompt : .fcfs
        }
        var lost: SaturnPolicyConfiguration.LostRequests {
            switch self {
            case .saturnDefer: .defer
            case .saturnDrop, .saturnSPFDrop: .drop
            default: .keep
            }
        }
    }

    func variants() throws -> [SaturnVariant] {
        if saturn == "none" { return [] }
        return try saturn.split(separator: ",").map { name in
            guard let v = SaturnVariant(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown Saturn variant '\(name)' (known: \(SaturnVariant.allCases.map(\.rawValue)))")
            }
            return v
        }
    }

    func grid() throws -> (tokens: [Int], sequences: [Int]) {
        func parse(_ text: String, _ name: String) throws -> [Int] {
            let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let values = parts.compactMap { Int($0) }
            guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ (1...1_000_000).contains($0) }) else {
                throw ValidationError("\(name) takes comma-separated integers in 1...1000000, got '\(text)'")
            }
            return values
        }
        return (try parse(gridTokens, "--grid-tokens"), try parse(gridSequences, "--grid-seqs"))
    }

    func loads() throws -> [Double] {
        let parts = load.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(Double.init)
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 1e6 }) else {
            throw ValidationError("--load takes comma-separated numbers > 0, got '\(load)'")
        }
        return values
    }

    /// The JSON shape of `saturn simulate --json`.
    struct Document: Encodable {
        struct Policy: Encodable {
            var scenario: String
            var name: String
            var setting: String
            var load: Double
            var goodput_tokens_per_s: Double?
            var throughput_tokens_per_s: Double?
            var offered_tokens_per_s: Double?
            var slo_miss_fraction: Double?
            var ttft_p50_ms: Double?
            var ttft_p99_ms: Double?
            var tpot_p50_ms: Double?
            var tpot_p99_ms: Double?
            var mean_queue_length: Double?
            var good_requests: Int
            var served_requests: Int
            var dropped_requests: Int
            var preemptions: Int
            var steps: Int
        }
        struct Scenario: Encodable {
            var name: String
            var truth: String
            var kv_capacity_tokens: Int
            var kv_capacity: String
            var saturation_load: Double?
            var truth_settings: Int
            var truth_worst_setting_error: Double
            var truth_shared_cost_ms: Double
            var truth_kv_slope_ms_per_token: Double
        }
        var trace: String
        var requests: Int
        var sla_ms: Double
        var ttft_ms: Double
        var noise: Double
        var loads: [Double]
        var scenarios: [Scenario]
        var policies: [Policy]
    }

    func run() async throws {
        let needsBus = try variants().contains { $0.usesBus }
        if needsBus, agentTelemetry == nil {
            var logger = Logger(label: "saturn.simulate")
            logger.logLevel = .warning
            var configuration = AgentConfiguration.ephemeralLoopback(nodeID: "simulate")
            configuration.adaptationPaths = AgentConfiguration.AdaptationPaths(rawValue: agentAdaptation) ?? .both
            let agent = try Agent(configuration: configuration, logger: logger)
            try await agent.withRunning { endpoints in
                progress("in-process agent: telemetry \(endpoints.telemetry), query \(endpoints.query)")
                try simulate(bus: (endpoints.telemetry, endpoints.query))
            }
        } else if let agentTelemetry, let agentQuery {
            try simulate(bus: (agentTelemetry, agentQuery))
        } else {
            try simulate(bus: nil)
        }
    }

    func simulate(bus: (telemetry: String, query: String)?) throws {
        let loads = try loads()
        let variants = try variants()
        let gridValues = try grid()
        var busRuns = 0
        let requestTrace = try RequestTrace.load(trace, limit: requests)
        var document = Document(trace: trace, requests: requestTrace.requests.count, sla_ms: slaMs, ttft_ms: ttftMs,
                                noise: noise, loads: loads, scenarios: [], policies: [])
        for path in truth {
            let table = try MeasuredStepTable.load(path)
            let capacity: (tokens: Int, text: String)
            var kvRead = 0.0
            if let kvTokens {
                capacity = (kvTokens, "KV cache \(kvTokens) tokens (given)")
                kvRead = (try? KVCacheCapacity.of(table).kvReadMsPerToken) ?? 0
            } else {
                let c = try KVCacheCapacity.of(table)
                capacity = (c.tokens, c.description)
                kvRead = c.kvReadMsPerToken
            }
            let stepTruth = try StepTruth(table: table, noise: noise, kvReadFloorMsPerToken: kvRead)
            let scenario = try SimulationScenario(trace: requestTrace, truth: stepTruth, kvCapacity: capacity.tokens,
                                                  slaMs: slaMs, ttftMs: ttftMs, seed: seed)
            let name = "\(URL(fileURLWithPath: trace).deletingPathExtension().lastPathComponent) on "
                + "\(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)"
            let saturation = try scenario.saturationLoad()
            progress("\(name): \(stepTruth.description)")
            progress(String(format: "  truth: %d measured settings (medians of %d rows) reproduced within %.2f%%; "
                + "shared step cost c0 %.2f ms, KV slope %.3g ms per token", stepTruth.buildPoints.count,
                stepTruth.buildPoints.reduce(0) { $0 + $1.lines.count }, (stepTruth.buildPointErrors.max() ?? 0) * 100,
                stepTruth.sharedCostMs, stepTruth.kvSlopeMsPerToken))
            progress("  \(capacity.text)")
            progress(String(format: "  saturation load %.3f (output-token capacity / offered output-token rate at load 1)",
                            saturation))
            document.scenarios.append(
                .init(name: name, truth: stepTruth.description, kv_capacity_tokens: capacity.tokens,
                      kv_capacity: capacity.text, saturation_load: saturation.isFinite ? saturation : nil,
                      truth_settings: stepTruth.buildPoints.count,
                      truth_worst_setting_error: stepTruth.buildPointErrors.max() ?? 0,
                      truth_shared_cost_ms: stepTruth.sharedCostMs,
                      truth_kv_slope_ms_per_token: stepTruth.kvSlopeMsPerToken))
            var report = SimulationReport(title: "\(name), SLA \(Int(slaMs)) ms")
            for l in loads {
                let started = ContinuousClock.now
                let grid = try scenario.runStaticGrid(load: l, tokens: gridValues.tokens, sequences: gridValues.sequences) { done, total in
                    if done % 28 == 0 || done == total { progress("  load \(l): static grid \(done)/\(total)") }
                }
                var entries: [SimulationReport.Entry] = []
                let best = grid.enumerated().max { a, b in
                    (a.element.goodputTokensPerSecond, -a.element.sloMissFraction, -a.offset)
                        < (b.element.goodputTokensPerSecond, -b.element.sloMissFraction, -b.offset)
                }!
                var bestMetrics = best.element
                let bestSetting = String(bestMetrics.name.dropFirst("static-".count))
                bestMetrics.name = "static-best"
                entries.append(.init(load: l, metrics: bestMetrics, setting: bestSetting))
                var defaultPolicy = StepRecorder(StaticBudgetPolicy(
                    maxBatchedTokens: SimulationScenario.defaultBudget.tokens,
                    maxSequences: SimulationScenario.defaultBudget.sequences, name: "static-default"))
                entries.append(.init(load: l, metrics: try scenario.metrics(&defaultPolicy, load: l), setting: "2048x256"))
                if let stepsCSV {
                    try StepRecord.csv(defaultPolicy.steps).write(toFile: stepsCSV, atomically: true, encoding: .utf8)
                    progress("  wrote \(defaultPolicy.steps.count) steps of static-default to \(stepsCSV)")
                }
                for v in variants {
                    let startedSaturn = ContinuousClock.now
                    let configuration = SaturnPolicyConfiguration(
                        slaMs: slaMs, ttftMs: ttftMs, ordering: v.ordering, lost: v.lost)
                    // A key new to the agent, so that it starts from its prior; the in-process fit starts from the
                    // same prior.
                    busRuns += 1
                    let key = ModelKey(model: table.model, hardware: "\(table.hardware)-tp\(table.tensorParallel)-sim\(busRuns)-\(getpid())")
                    let metrics: RunMetrics
                    let detail: String
                    if v.usesBus, let bus {
                        let oracle = try AgentOracle(telemetry: bus.telemetry, query: bus.query, key: key,
                                                     workerID: "sim-\(busRuns)")
                        defer { oracle.close() }
                        var policy = SaturnAdmissionPolicy(
                            name: v.rawValue, oracle: oracle,
                            configuration: configuration)
                        metrics = try scenario.metrics(&policy, load: l)
                        detail = "\(oracle.label), \(oracle.queries) queries; sets adopted \(policy.adoptions) rejected \(policy.rejections); margin \(Format.fixed(policy.lastMargin, 3)) cap \(policy.lastCap), under-prediction p50/p99/max \(Format.fixed(policy.recentUnderPrediction.p50, 3))/\(Format.fixed(policy.recentUnderPrediction.p99, 3))/\(Format.fixed(policy.recentUnderPrediction.maximum, 3))"
                    } else {
                        let prior = PriorCatalog().choose(model: key.model, hardware: key.hardware, known: [])
                        var policy = SaturnAdmissionPolicy(
                            name: v.rawValue, oracle: OnlineFitOracle(prior: prior.parameters),
                            configuration: configuration)
                        metrics = try scenario.metrics(&policy, load: l)
                        detail = "\(policy.oracle.label) from \(prior.choice); sets adopted \(policy.adoptions) rejected \(policy.rejections); margin \(Format.fixed(policy.lastMargin, 3)) cap \(policy.lastCap), under-prediction p50/p99/max \(Format.fixed(policy.recentUnderPrediction.p50, 3))/\(Format.fixed(policy.recentUnderPrediction.p99, 3))/\(Format.fixed(policy.recentUnderPrediction.maximum, 3))"
                    }
                    entries.append(.init(load: l, metrics: metrics, setting: detail))
                    progress(String(format: "  load %g: %@ in %.2f s: goodput %.1f tok/s, steps over SLA %.3f%%; %@", l,
                                    v.rawValue, (ContinuousClock.now - startedSaturn).inSeconds,
                                    metrics.goodputTokensPerSecond, metrics.sloMissFraction * 100, detail))
                }
                if allStatic {
                    for m in grid { entries.append(.init(load: l, metrics: m, setting: String(m.name.dropFirst(7)))) }
                }
                progress(String(format: "  load %g: static grid in %.2f s; best %@ goodput %.1f tok/s", l,
                                (ContinuousClock.now - started).inSeconds, bestSetting, best.element.goodputTokensPerSecond))
                report.entries += entries
                for e in entries {
                    let m = e.metrics
                    document.policies.append(
                        .init(scenario: name, name: m.name, setting: e.setting, load: l,
                              goodput_tokens_per_s: Format.json(m.goodputTokensPerSecond),
                              throughput_tokens_per_s: Format.json(m.throughputTokensPerSecond),
                              offered_tokens_per_s: Format.json(m.offeredTokensPerSecond),
                              slo_miss_fraction: Format.json(m.sloMissFraction), ttft_p50_ms: Format.json(m.ttftP50Ms),
                              ttft_p99_ms: Format.json(m.ttftP99Ms), tpot_p50_ms: Format.json(m.tpotP50Ms),
                              tpot_p99_ms: Format.json(m.tpotP99Ms), mean_queue_length: Format.json(m.meanQueueLength),
                              good_requests: m.goodRequests, served_requests: m.servedRequests,
                              dropped_requests: m.droppedRequests, preemptions: m.preemptions, steps: m.steps))
                }
            }
            if !json {
                print("## \(name), SLA \(Format.fixed(slaMs, 0)) ms, TTFT \(Format.fixed(ttftMs, 0)) ms, "
                    + "\(requestTrace.requests.count) requests")
                print("truth: \(stepTruth.description); \(capacity.text)")
                print(String(format: "saturation load: %.3f", saturation))
                print("")
                print(report.markdown())
            }
            if let dir = svgDirectory {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                let slug = name.replacingOccurrences(of: " ", with: "_") + "_sla\(Int(slaMs))"
                for plotted in [SimulationReport.Plotted.goodput, .sloMisses] {
                    let file = URL(fileURLWithPath: dir).appendingPathComponent("\(slug)_\(plotted.rawValue).svg")
                    try report.svg(plotted).write(to: file, atomically: true, encoding: .utf8)
                    progress("  wrote \(file.path)")
                }
            }
        }
        if json { print(try Format.encode(document)) }
    }

    func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
