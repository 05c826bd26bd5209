import ArgumentParser
import Foundation
import SaturnModel
import SaturnWire

/// `saturn plan`: one-off decisions on a fitted model (a parameter file, or a step table fitted on the fly): the
/// SLA inverse table, the capacity optimum, replicas for a workload and the recommended static budget.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "SLA inverse, capacity, replicas and a static budget (max_num_batched_tokens, max_num_seqs) from a fitted model.",
        discussion: """
            The model comes from --parameters (the JSON of `saturn fit --json`, or an object of the 8 parameters) or \
            --table (a step CSV, fitted on the fly). The workload comes from --trace (arrival_s, input_tokens, \
            output_tokens) or from --mean-prompt, --prompt-sd, --prompt-quantile-tokens and --mean-output. The \
            safety margin is a fraction, `auto` (from the fit's p95 relative error) or `observed` (with --table: \
            the 0.99 quantile u of the under-prediction T/T̂ - 1 on the table's steps predicted at half the SLA or \
            more, m = u / (1 + u); meant for a table of the deployment's own telemetry, whose slow steps decide the \
            budget); by default 0 for the SLA inverse, capacity and replicas, and 0.1 for the static budget.
            """)

    @Option(help: "Parameter file: `saturn fit --json` output, or a JSON object of the 8 parameters.")
    var parameters: String?

    @Option(help: "Step CSV (B, S, T_ms) to fit on the fly instead of --parameters.")
    var table: String?

    @OptionGroup var tableOptions: TableOptions

    @Option(name: .customLong("sla-ms"), help: "Step-latency SLA (ms).")
    var slaMs: Double

    @Option(name: .customLong("ttft-ms"), help: "TTFT target (ms) at --quantile.")
    var ttftMs: Double?

    @Option(name: .customLong("min-batch"), help: "Smallest batch size of the SLA inverse table and the capacity search.")
    var minimumBatch = 1

    @Option(name: .customLong("max-batch"), help: "Largest batch size of the SLA inverse table and the capacity search.")
    var maximumBatch = 64

    @Option(name: .customLong("max-tokens"), help: "Largest step token count of the SLA inverse and capacity search.")
    var maximumTokens: Double = 8192

    @Option(help: "Request trace CSV (arrival_s, input_tokens, output_tokens) giving the workload and its rate.")
    var trace: String?

    @Option(name: .customLong("mean-prompt"), help: "Mean prompt tokens per request.")
    var meanPrompt: Double?

    @Option(name: .customLong("prompt-sd"), help: "Standard deviation of prompt tokens.")
    var promptSD: Double?

    @Option(name: .customLong("prompt-quantile-tokens"), help: "Prompt tokens at --quantile.")
    var promptQuantileTokens: Double?

    @Option(name: .customLong("mean-output"), help: "Mean output tokens per request.")
    var meanOutput: Double?

    @Option(help: "Quantile the TTFT target applies to.")
    var quantile = 0.99

    @Option(help: "Requests/s to plan for (default: the trace's mean rate).")
    var rate: Double?

    @Option(
        help: "Safety margin: a fraction in [0, 1), `auto` (from the fit's p95 relative error) or `observed` (from the --table steps' under-prediction near the SLA).")
    var margin: String?

    @Option(
        name: .customLong("sequence-caps"),
        help: "Candidate max_num_seqs values, comma-separated (default 8,16,24,32,48,64,96,128,192,256,384,512).")
    var sequenceCaps: String?

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    func validate() throws {
        guard (parameters == nil) != (table == nil) else {
            throw ValidationError("give exactly one of --parameters FILE.json and --table FILE.csv")
        }
        guard slaMs.isFinite, slaMs > 0 else { throw ValidationError("--sla-ms must be a positive number") }
        if let t = ttftMs, !(t.isFinite && t > 0) { throw ValidationError("--ttft-ms must be a positive number") }
        guard minimumBatch >= 1, maximumBatch >= minimumBatch, maximumBatch - minimumBatch < 4096 else {
            throw ValidationError("--min-batch and --max-batch: 1 <= min <= max, at most 4096 rows")
        }
        guard maximumTokens.isFinite, maximumTokens >= 1, maximumTokens <= 1e9 else {
            throw ValidationError("--max-tokens must be in [1, 1e9]")
        }
        guard quantile > 0, quantile < 1 else { throw ValidationError("--quantile must be in (0, 1)") }
        let summary = [meanPrompt, promptSD, promptQuantileTokens, meanOutput]
        if trace != nil && summary.contains(where: { $0 != nil }) {
            throw ValidationError("give the workload as --trace or as --mean-prompt ..., not both")
        }
        if summary.contains(where: { $0 != nil }) && summary.contains(where: { $0 == nil }) {
            throw ValidationError("a workload needs all of --mean-prompt, --prompt-sd, --prompt-quantile-tokens, --mean-output")
        }
        if let m = meanPrompt, !(m.isFinite && m > 0) { throw ValidationError("--mean-prompt must be > 0") }
        if let s = promptSD, !(s.isFinite && s >= 0) { throw ValidationError("--prompt-sd must be >= 0") }
        if let q = promptQuantileTokens, !(q.isFinite && q >= 1) { throw ValidationError("--prompt-quantile-tokens must be >= 1") }
        if let o = meanOutput, !(o.isFinite && o >= 1) { throw ValidationError("--mean-output must be >= 1") }
        if let r = rate, !(r.isFinite && r >= 0) { throw ValidationError("--rate must be >= 0") }
        _ = try parsedMargin()
        _ = try parsedSequenceCaps()
    }

    /// nil: the defaults; `.automatic` for `auto`.
    func parsedMargin() throws -> SafetyMarginSpec? {
        guard let margin else { return nil }
        if margin == "auto" { return .automatic(multiplier: 1) }
        if margin == "observed" {
            guard table != nil else { throw ValidationError("--margin observed needs --table (the steps it reads)") }
            return nil
        }
        guard let m = Double(margin), m.isFinite, m >= 0, m < 1 else {
            throw ValidationError("--margin must be a fraction in [0, 1), `auto` or `observed`, got '\(margin)'")
        }
        return .fixed(m)
    }

    func parsedSequenceCaps() throws -> [Int] {
        guard let sequenceCaps else { return StaticBudget.defaultSequenceCaps }
        let caps = sequenceCaps.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !caps.isEmpty, caps.count == sequenceCaps.split(separator: ",").count, caps.allSatisfy({ $0 >= 2 }) else {
            throw ValidationError("--sequence-caps takes integers >= 2 separated by commas, got '\(sequenceCaps)'")
        }
        return caps
    }

    func run() throws {
        let model = try parameters.map { try PlanModel.read(parameterFile: $0) }
            ?? PlanModel.fit(table: table!, options: tableOptions)
        print(try output(model: model))
    }

    /// The whole answer and its rendering (testable without a process).
    func output(model: PlanModel) throws -> String {
        var spec = try parsedMargin()
        var evidence: PlanDocument.MarginEvidence?
        if margin == "observed" {
            guard let steps = model.steps,
                let observed = UnderPredictionMargin.margin(parameters: model.parameters, steps: steps, slaMs: slaMs)
            else {
                throw CLIError(
                    "--margin observed needs at least 50 steps of the table predicted at half the SLA (\(Format.number(slaMs / 2)) ms) or more")
            }
            spec = .fixed(observed.margin)
            evidence = .init(rule: "0.99 quantile of T/T_hat - 1 over steps with T_hat >= SLA / 2",
                             under_prediction: observed.underPrediction, steps: observed.steps)
        }
        if case .automatic = spec, model.p95RelativeError == nil {
            throw CLIError("--margin auto needs the fit's p95 relative error (a fit JSON with metrics, or --table)")
        }
        let p95 = model.p95RelativeError ?? 0
        let margin = spec?.resolved(p95RelativeError: p95) ?? 0
        let p = model.parameters
        let limit = slaMs * (1 - margin)
        let rows = SLAInverse.rows(
            batchSizes: minimumBatch...maximumBatch, targetMs: limit, tokens: 1...maximumTokens, parameters: p)
        let capacity = Capacity.maximise(
            latencyLimitMs: limit, batchSizes: minimumBatch...maximumBatch, maximumTokens: maximumTokens, parameters: p)
        var workload: Workload?
        var planRate = rate
        var traceInfo: PlanDocument.TraceInfo?
        if let trace {
            let t = try PlanTrace.read(trace, quantile: quantile)
            workload = t.workload
            planRate = planRate ?? t.rate
            traceInfo = .init(path: trace, requests: t.requests, mean_rate_per_s: t.rate)
        } else if let meanPrompt, let promptSD, let promptQuantileTokens, let meanOutput {
            workload = Workload(
                meanPromptTokens: meanPrompt, promptTokensStandardDeviation: promptSD,
                promptTokensAtQuantile: promptQuantileTokens, quantile: quantile, meanOutputTokens: meanOutput)
        }
        var plan: PlanAnswer?
        if let workload {
            let query = PlanQuery(
                key: ModelKey(model: "cli", hardware: "cli"), slaMs: slaMs, ttftMs: ttftMs, rate: planRate ?? 0,
                workload: workload, margin: spec, sequenceCaps: try parsedSequenceCaps())
            plan = query.answer(parameters: p, p95RelativeError: p95)
        }
        let document = PlanDocument(
            model: model, slaMs: slaMs, margin: margin, limit: limit, rows: rows, capacity: capacity, workload: workload,
            rate: planRate, trace: traceInfo, ttftMs: ttftMs, plan: plan,
            budgetMargin: spec?.resolved(p95RelativeError: p95) ?? 0.1, marginEvidence: evidence)
        return json ? try Format.encode(document) : document.text()
    }
}

/// The JSON shape of `saturn plan --json` (and the source of its text).
struct PlanDocument: Encodable {
    struct Row: Encodable {
        var batch_size: Int
        var min_feasible_tokens: Double?
        var max_feasible_tokens: Double?
        var minimum_latency_ms: Double
    }
    struct Point: Encodable {
        var batch_size: Int
        var tokens: Double
        var latency_ms: Double
        var tokens_per_ms: Double
        var latency_bound: Bool
        init(_ p: Capacity.Point) {
            batch_size = p.batchSize
            tokens = p.tokens
            latency_ms = p.latencyMs
            tokens_per_ms = p.tokensPerMs
            latency_bound = p.isLatencyBound
        }
    }
    struct WorkloadInfo: Encodable {
        var mean_prompt_tokens: Double
        var prompt_tokens_sd: Double
        var prompt_tokens_at_quantile: Double
        var quantile: Double
        var mean_output_tokens: Double
    }
    struct TraceInfo: Encodable {
        var path: String
        var requests: Int
        var mean_rate_per_s: Double
    }
    struct Replicas: Encodable {
        var replicas: Int?
        var infeasibility: String?
        var rate_per_s: Double
        var per_replica_rate_per_s: Double
        var saturation_rate_per_s: Double?
        var saturation_step_ms: Double?
        var saturation_tokens: Double?
        var ttft_ms: Double?
        var safety_margin: Double
    }
    /// How `--margin observed` derived the margin.
    struct MarginEvidence: Encodable {
        var rule: String
        var under_prediction: Double
        var steps: Int
    }
    struct Budget: Encodable {
        var max_num_batched_tokens: Int
        var max_num_seqs: Int
        var worst_step_ms: Double
        var saturation_rate_per_s: Double
        var ttft_ms: Double?
        var ttft_target_missed: Bool
        var safety_margin: Double
    }

    var model: String
    var parameters: [String: Double]
    var fit_p95_rel_error: Double?
    var sla_ms: Double
    var ttft_ms: Double?
    var safety_margin: Double
    var margin_evidence: MarginEvidence?
    var step_limit_ms: Double
    var sla_inverse: [Row]
    var capacity: Point?
    var capacity_integer_tokens: Point?
    var workload: WorkloadInfo?
    var trace: TraceInfo?
    var replicas: Replicas?
    var static_budget: Budget?

    init(
        model: PlanModel, slaMs: Double, margin: Double, limit: Double, rows: [SLAInverse.Row], capacity: Capacity.Result,
        workload: Workload?, rate: Double?, trace: TraceInfo?, ttftMs: Double?, plan: PlanAnswer?, budgetMargin: Double,
        marginEvidence: MarginEvidence? = nil
    ) {
        margin_evidence = marginEvidence
        self.model = model.origin
        var named: [String: Double] = [:]
        for n in LatencyParameters.Name.allCases { named[n.rawValue] = model.parameters[n] }
        parameters = named
        fit_p95_rel_error = model.p95RelativeError
        sla_ms = slaMs
        ttft_ms = ttftMs
        safety_margin = margin
        step_limit_ms = limit
        sla_inverse = rows.map {
            Row(
                batch_size: $0.batchSize, min_feasible_tokens: $0.feasibleTokens?.lowerBound,
                max_feasible_tokens: $0.feasibleTokens?.upperBound, minimum_latency_ms: $0.minimumLatencyMs)
        }
        self.capacity = capacity.best.map(Point.init)
        capacity_integer_tokens = capacity.bestInteger.map(Point.init)
        self.workload = workload.map {
            WorkloadInfo(
                mean_prompt_tokens: $0.meanPromptTokens,
                prompt_tokens_sd: max(0, $0.promptTokensSecondMoment - $0.meanPromptTokens * $0.meanPromptTokens).squareRoot(),
                prompt_tokens_at_quantile: $0.promptTokensAtQuantile, quantile: $0.quantile,
                mean_output_tokens: $0.meanOutputTokens)
        }
        self.trace = trace
        if let plan {
            replicas = Replicas(
                replicas: plan.replicas, infeasibility: plan.infeasibility, rate_per_s: rate ?? 0,
                per_replica_rate_per_s: plan.perReplicaRequestsPerSecond,
                saturation_rate_per_s: plan.saturation?.requestsPerSecond, saturation_step_ms: plan.saturation?.stepMs,
                saturation_tokens: plan.saturation?.tokens, ttft_ms: plan.ttftMs, safety_margin: plan.safetyMargin)
            static_budget = plan.budget.map {
                Budget(
                    max_num_batched_tokens: $0.maxNumBatchedTokens, max_num_seqs: $0.maxNumSeqs,
                    worst_step_ms: $0.worstStepMs, saturation_rate_per_s: $0.saturationRequestsPerSecond,
                    ttft_ms: $0.ttftMs, ttft_target_missed: $0.ttftTargetMissed, safety_margin: budgetMargin)
            }
        }
    }

    func text() -> String {
        var lines: [String] = []
        let f = { (v: Double?) in v.map { Format.number($0, digits: 6) } ?? "-" }
        lines.append("model: \(model)" + (fit_p95_rel_error.map { " (fit p95 relative error \(Format.percent($0)))" } ?? ""))
        lines.append(LatencyParameters.Name.allCases.map { "\($0.rawValue)=\(Format.number(parameters[$0.rawValue]!))" }.joined(separator: " "))
        lines.append("")
        if let e = margin_evidence {
            lines.append("margin observed: the model under-predicts the \(e.steps) steps it puts at half the SLA or more by up to \(Format.percent(e.under_prediction)) (0.99 quantile), so m = \(Format.percent(safety_margin))")
        }
        lines.append("SLA inverse: T(B,S) <= \(Format.number(step_limit_ms)) ms (SLA \(Format.number(sla_ms)) ms, margin \(Format.percent(safety_margin)))")
        lines.append("| B | lowest S | largest S | min T ms |")
        lines.append("|---|---|---|---|")
        for r in sla_inverse {
            lines.append("| \(r.batch_size) | \(f(r.min_feasible_tokens)) | \(f(r.max_feasible_tokens)) | \(Format.fixed(r.minimum_latency_ms)) |")
        }
        lines.append("")
        if let c = capacity {
            lines.append("capacity: B=\(c.batch_size) S=\(f(c.tokens)) T=\(Format.fixed(c.latency_ms)) ms, \(Format.number(c.tokens_per_ms)) tokens/ms" + (c.latency_bound ? " (latency-bound)" : " (token cap)"))
            if let i = capacity_integer_tokens {
                lines.append("capacity, whole tokens: B=\(i.batch_size) S=\(Int(i.tokens)) T=\(Format.fixed(i.latency_ms)) ms, \(Format.number(i.tokens_per_ms)) tokens/ms")
            }
        } else {
            lines.append("capacity: no (B, S) in the range meets \(Format.number(step_limit_ms)) ms")
        }
        if let w = workload {
            lines.append("")
            lines.append("workload: mean prompt \(f(w.mean_prompt_tokens)) (sd \(f(w.prompt_tokens_sd)), q\(Format.number(w.quantile * 100, digits: 3)) \(f(w.prompt_tokens_at_quantile))), mean output \(f(w.mean_output_tokens)) tokens" + (trace.map { "; from \($0.path), \($0.requests) requests at \(Format.number($0.mean_rate_per_s)) /s" } ?? ""))
        }
        if let r = replicas {
            if let n = r.replicas {
                lines.append("replicas for \(Format.number(r.rate_per_s)) requests/s: \(n) (each planned for \(Format.number(r.per_replica_rate_per_s)) /s of a saturated \(f(r.saturation_rate_per_s)) /s, steps of \(f(r.saturation_tokens)) tokens in \(Format.fixed(r.saturation_step_ms)) ms; TTFT \(Format.fixed(r.ttft_ms, 0)) ms; margin \(Format.percent(r.safety_margin)))")
            } else {
                lines.append("replicas: none meets the targets (\(r.infeasibility ?? "?"))")
            }
        }
        if workload != nil {
            if let b = static_budget {
                lines.append("static budget: max_num_batched_tokens=\(b.max_num_batched_tokens) max_num_seqs=\(b.max_num_seqs) (fullest step \(Format.fixed(b.worst_step_ms)) ms within \(Format.number(sla_ms * (1 - b.safety_margin))) ms = SLA - \(Format.percent(b.safety_margin)); saturates at \(Format.number(b.saturation_rate_per_s)) requests/s" + (b.ttft_ms.map { "; TTFT \(Format.fixed($0, 0)) ms at the planned load" } ?? "") + (b.ttft_target_missed ? "; no candidate met the TTFT target" : "") + ")")
            } else {
                lines.append("static budget: no token budget keeps full steps within the SLA")
            }
        }
        return lines.joined(separator: "\n")
    }
}
