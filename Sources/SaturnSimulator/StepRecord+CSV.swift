extension StepRecord {
    /// The header of ``csvLine``: the step table columns `saturn fit`, `saturn eval` and `saturn plan --table`
    /// read (`B`, `S`, `T_ms`), then the step's split and context as the measured tables name them.
    public static let csvHeader = "B,S,T_ms,prefill_tokens,decode_tokens,kv_tokens,end_s"

    /// One CSV row under ``csvHeader``; latency with microsecond resolution.
    public var csvLine: String {
        let t = (latencyMs * 1000).rounded() / 1000
        let e = (endTime * 1_000_000).rounded() / 1_000_000
        return "\(batchSize),\(tokens),\(t),\(prefillTokens),\(decodeRequests),\(kvContextTokens),\(e)"
    }

    /// A whole table: the header and one line per step, each ending with a newline.
    public static func csv(_ steps: [StepRecord]) -> String {
        var text = csvHeader + "\n"
        text.reserveCapacity(steps.count * 40)
        for s in steps { text += s.csvLine + "\n" }
        return text
    }
}
