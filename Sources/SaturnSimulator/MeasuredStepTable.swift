/// A step table with its metadata (model, hardware, tensor-parallel degree) and its rows classified.
public struct MeasuredStepTable: Sendable, Equatable {
    /// The file it was read from.
    public var source: String
    /// Model name from the `model` column (e.g. `llama2-70b`, `meta-llama/Llama-2-7b-hf`).
    public var model: String
    /// Hardware name from the `hardware` column (e.g. `h100-80gb`, `a100`).
    public var hardware: String
    /// Tensor-parallel degree from the `tp` column (1 when absent).
    public var tensorParallel: Int
    /// Every row, in file order.
    public var rows: [MeasuredStep]

    public init(source: String, model: String, hardware: String, tensorParallel: Int, rows: [MeasuredStep]) {
        self.source = source
        self.model = model
        self.hardware = hardware
        self.tensorParallel = tensorParallel
        self.rows = rows
    }

    /// Reads a step table CSV (see ``MeasuredStep`` for the columns used).
    /// - Throws: ``SimulationError`` on an unreadable file, a missing column, a malformed number, an unknown
    ///   `step_type`, a latency <= 0, or counts below their domain.
    public static func load(_ path: String) throws(SimulationError) -> MeasuredStepTable {
        try parse(CSVRows.read(path), source: path)
    }

    /// Parses CSV text as ``load(_:)`` reads a file; `source` names it in errors.
    public static func parse(text: String, source: String) throws(SimulationError) -> MeasuredStepTable {
        try parse(CSVRows(text: text, source: source), source: source)
    }

    private static func parse(_ csv: CSVRows, source path: String) throws(SimulationError) -> MeasuredStepTable {
        let cb = try csv.requireColumn("B", source: path)
        let cs = try csv.requireColumn("S", source: path)
        let ct = try csv.requireColumn("T_ms", source: path)
        let ck = try csv.requireColumn("step_type", source: path)
        let cnp = csv.column("n_prefill_reqs")
        let cnd = csv.column("n_decode_reqs")
        let cctx = csv.column("decode_ctx") ?? csv.column("decode_ctx_mean")
        let cchunk = csv.column("prefill_chunk")
        let cprior = csv.column("prefill_prior_ctx")
        let cpt = csv.column("prefill_tokens")
        var rows: [MeasuredStep] = []
        var model = ""
        var hardware = ""
        var tp = 1
        for row in csv.rows {
            func num(_ c: Int?, _ name: String) throws(SimulationError) -> Double? {
                guard let c else { return nil }
                return try CSVRows.number(row, c, name, source: path)
            }
            /// A count column (or `fallback` when the table has none): finite, in [0, 1e12], as an Int.
            func count(_ c: Int?, _ name: String, or fallback: Double) throws(SimulationError) -> Int {
                let v = try num(c, name) ?? fallback
                guard v.isFinite, v >= 0, v <= 1e12 else {
                    throw SimulationError(.invalidValue, "\(path): line \(row.line): \(name) must be in [0, 1e12], got \(v)")
                }
                return Int(v)
            }
            let b = try CSVRows.number(row, cb, "B", source: path)
            let s = try CSVRows.number(row, cs, "S", source: path)
            let t = try CSVRows.number(row, ct, "T_ms", source: path)
            guard b >= 1, s >= 1, t > 0, b < 1e6, s < 1e8 else {
                throw SimulationError(.invalidValue, "\(path): line \(row.line): B and S must be >= 1 and T_ms > 0")
            }
            guard let kind = MeasuredStep.Kind(rawValue: String(row.fields[ck])) else {
                throw SimulationError(.malformed, "\(path): line \(row.line): unknown step_type '\(row.fields[ck])'")
            }
            let batch = Int(b)
            var step = MeasuredStep(kind: kind, prefillRequests: 0, prefillTokens: 0, prefillPriorContext: 0,
                                    decodeRequests: 0, decodeContext: 0, latencyMs: t, line: row.line)
            switch kind {
            case .prefill:
                step.prefillRequests = try count(cnp, "n_prefill_reqs", or: b)
                step.prefillTokens = try count(cpt, "prefill_tokens", or: s)
                step.prefillPriorContext = try count(cprior, "prefill_prior_ctx", or: 0)
            case .decode:
                step.decodeRequests = batch
                guard let ctx = try num(cctx, "decode_ctx") else {
                    throw SimulationError(.malformed, "\(path): decode rows need a decode_ctx or decode_ctx_mean column")
                }
                step.decodeContext = ctx
            case .mixed:
                step.decodeRequests = try count(cnd, "n_decode_reqs", or: 0)
                step.prefillRequests = try count(cnp, "n_prefill_reqs", or: Double(max(0, batch - step.decodeRequests)))
                step.prefillTokens = Int(s) - step.decodeRequests
                step.prefillPriorContext = try count(cprior, "prefill_prior_ctx", or: 0)
                step.decodeContext = try num(cctx, "decode_ctx") ?? 0
                _ = try num(cchunk, "prefill_chunk")
            }
            guard step.prefillRequests >= 0, step.prefillTokens >= 0, step.decodeRequests >= 0,
                step.decodeContext >= 0, step.decodeContext <= 1e12, step.prefillPriorContext >= 0
            else {
                throw SimulationError(.invalidValue, "\(path): line \(row.line): counts must be in [0, 1e12]")
            }
            rows.append(step)
            if model.isEmpty, let c = csv.column("model") { model = String(row.fields[c]) }
            if hardware.isEmpty, let c = csv.column("hardware") { hardware = String(row.fields[c]) }
            if let c = csv.column("tp"), let v = Int(row.fields[c]), v >= 1 { tp = v }
        }
        return MeasuredStepTable(source: path, model: model, hardware: hardware, tensorParallel: tp, rows: rows)
    }
}
