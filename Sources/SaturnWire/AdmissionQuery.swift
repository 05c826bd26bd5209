import SaturnModel

/// An admission query (request 16): which waiting requests join the next step.
public struct AdmissionQuery: Sendable, Hashable {
    /// The key whose parameters answer.
    public var key: ModelKey
    /// The step-latency SLA (ms, > 0).
    public var slaMs: Double
    /// Tokens each running request adds to the next step.
    public var running: [Double]
    /// The waiting requests (distinct ids).
    public var waiting: [AdmissionCandidate]
    /// Rule, scanning, chunking and cap (its ``AdmissionOptions/safetyMargin`` is replaced by ``margin``).
    public var options: AdmissionOptions
    /// The margin: fixed, or derived from the key's recent p95 relative error.
    public var margin: SafetyMarginSpec

    /// Memberwise initialiser (not validated).
    public init(
        key: ModelKey, slaMs: Double, running: [Double], waiting: [AdmissionCandidate],
        options: AdmissionOptions = .init(), margin: SafetyMarginSpec? = nil
    ) {
        self.key = key
        self.slaMs = slaMs
        self.running = running
        self.waiting = waiting
        self.options = options
        self.margin = margin ?? .fixed(options.safetyMargin)
    }

    /// From the wire, validated.
    /// - Throws: ``QueryError`` with code ``QueryError/Code/invalidArgument`` naming the field.
    public init(validating p: Saturn_V1_AdmissionRequest) throws(QueryError) {
        key = try DecisionValidation.key(model: p.model, hardware: p.hardware)
        slaMs = try DecisionValidation.sla(p.slaMs, field: "sla_ms")
        running = try DecisionValidation.running(p.runningTokens)
        waiting = try DecisionValidation.candidates(
            ids: p.waitingIds, priorities: p.waitingPriorities, tokens: p.waitingTokens, field: "waiting")
        try DecisionValidation.distinct(p.waitingIds, field: "waiting_ids")
        let o = p.options
        let rule: AdmissionRule
        switch o.rule {
        case "", "greedy": rule = .greedy
        case "best_effort": rule = .bestEffort
        default: throw DecisionValidation.invalid("options.rule must be \"greedy\" or \"best_effort\", got \"\(o.rule)\"")
        }
        var chunk: Double?
        if o.minimumChunkTokens != 0 {
            chunk = try DecisionValidation.number(
                o.minimumChunkTokens, field: "options.minimum_chunk_tokens", in: Double.leastNonzeroMagnitude...WireLimits.maximumTokens)
        }
        options = AdmissionOptions(
            rule: rule, scanPastMisfit: o.scanPastMisfit, minimumChunkTokens: chunk,
            maximumBatchSize: o.maximumBatchSize == 0 ? nil : Int(o.maximumBatchSize))
        margin = try SafetyMarginSpec(validating: o.hasMargin ? o.margin : nil)
    }

    /// To the wire.
    public var proto: Saturn_V1_AdmissionRequest {
        var p = Saturn_V1_AdmissionRequest()
        p.model = key.model
        p.hardware = key.hardware
        p.slaMs = slaMs
        p.runningTokens = running
        p.waitingIds = waiting.map(\.id)
        p.waitingTokens = waiting.map(\.tokens)
        if waiting.contains(where: { $0.priority != 0 }) { p.waitingPriorities = waiting.map(\.priority) }
        var o = Saturn_V1_AdmissionOptions()
        o.rule = options.rule == .greedy ? "greedy" : "best_effort"
        o.scanPastMisfit = options.scanPastMisfit
        o.minimumChunkTokens = options.minimumChunkTokens ?? 0
        o.maximumBatchSize = UInt32(clamping: options.maximumBatchSize ?? 0)
        o.margin = margin.proto
        p.options = o
        return p
    }

    /// The decision with `parameters`, the margin resolved from `p95RelativeError` when automatic.
    public func answer(parameters: LatencyParameters, p95RelativeError: Double) -> AdmissionDecision {
        var o = options
        o.safetyMargin = margin.resolved(p95RelativeError: p95RelativeError)
        return Admission.decide(running: running, waiting: waiting, slaMs: slaMs, options: o, parameters: parameters)
    }
}

extension AdmissionDecision {
    /// From the wire, for the query's `waiting` list (to tell chunks from whole requests); nil when an index is
    /// out of range.
    public init?(_ p: Saturn_V1_AdmissionReply, waiting: [AdmissionCandidate]) {
        guard p.admittedIndices.count == p.admittedIds.count, p.admittedIds.count == p.admittedTokens.count,
            let reason = AdmissionStopReason(rawValue: p.stopReason)
        else { return nil }
        var admitted: [Admitted] = []
        for k in p.admittedIndices.indices {
            let i = Int(p.admittedIndices[k])
            guard i < waiting.count else { return nil }
            admitted.append(
                Admitted(
                    waitingIndex: i, id: p.admittedIds[k], tokens: p.admittedTokens[k],
                    isChunk: p.admittedTokens[k] < waiting[i].tokens))
        }
        self.init(
            admitted: admitted, currentLatencyMs: p.hasCurrentLatencyMs ? p.currentLatencyMs : nil,
            predictedLatencyMs: p.hasPredictedLatencyMs ? p.predictedLatencyMs : nil, effectiveSLAMs: p.effectiveSlaMs,
            stopReason: reason)
    }

    /// Writes the decision into a reply (the basis and margin are set by the caller).
    public func write(to p: inout Saturn_V1_AdmissionReply) {
        p.admittedIndices = admitted.map { UInt32(clamping: $0.waitingIndex) }
        p.admittedIds = admitted.map(\.id)
        p.admittedTokens = admitted.map(\.tokens)
        if let c = currentLatencyMs { p.currentLatencyMs = c }
        if let t = predictedLatencyMs { p.predictedLatencyMs = t }
        p.effectiveSlaMs = effectiveSLAMs
        p.stopReason = stopReason.rawValue
    }
}
