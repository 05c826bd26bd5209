import SaturnModel

/// An SLA inverse query (request 14): for each `B` in a range, the exact token interval meeting a latency target.
public struct SLAInverseQuery: Sendable, Hashable {
    /// The key whose parameters answer.
    public var key: ModelKey
    /// The step-latency target (ms, > 0).
    public var targetMs: Double
    /// Batch sizes, one row each (at most ``WireLimits/maximumBatchSizeRows``).
    public var batchSizes: ClosedRange<Int>
    /// The token range searched (`0 < lower ≤ upper ≤ 1e9`).
    public var tokens: ClosedRange<Double>

    /// Memberwise initialiser (not validated: the agent validates what it receives).
    public init(key: ModelKey, targetMs: Double, batchSizes: ClosedRange<Int>, tokens: ClosedRange<Double>) {
        self.key = key
        self.targetMs = targetMs
        self.batchSizes = batchSizes
        self.tokens = tokens
    }

    /// From the wire, validated.
    /// - Throws: ``QueryError`` with code ``QueryError/Code/invalidArgument`` naming the field.
    public init(validating p: Saturn_V1_SlaInverseRequest) throws(QueryError) {
        key = try DecisionValidation.key(model: p.model, hardware: p.hardware)
        targetMs = try DecisionValidation.sla(p.targetMs, field: "target_ms")
        batchSizes = try DecisionValidation.batchSizes(min: p.minBatchSize, max: p.maxBatchSize)
        tokens = try DecisionValidation.tokens(min: p.minTokens, max: p.maxTokens)
    }

    /// To the wire.
    public var proto: Saturn_V1_SlaInverseRequest {
        var p = Saturn_V1_SlaInverseRequest()
        p.model = key.model
        p.hardware = key.hardware
        p.targetMs = targetMs
        p.minBatchSize = UInt32(clamping: batchSizes.lowerBound)
        p.maxBatchSize = UInt32(clamping: batchSizes.upperBound)
        p.minTokens = tokens.lowerBound
        p.maxTokens = tokens.upperBound
        return p
    }

    /// The answer with `parameters` (``SLAInverse/rows(batchSizes:targetMs:tokens:parameters:)``).
    public func answer(parameters: LatencyParameters) -> [SLAInverse.Row] {
        SLAInverse.rows(batchSizes: batchSizes, targetMs: targetMs, tokens: tokens, parameters: parameters)
    }
}

extension SLAInverse.Row {
    /// From the wire.
    public init(_ proto: Saturn_V1_SlaInverseRow) {
        self.init(
            batchSize: Int(proto.batchSize),
            feasibleTokens: proto.feasible ? proto.minFeasibleTokens...max(proto.minFeasibleTokens, proto.maxFeasibleTokens) : nil,
            tokensAtMinimumLatency: proto.tokensAtMinimumLatency, minimumLatencyMs: proto.minimumLatencyMs)
    }

    /// To the wire.
    public var proto: Saturn_V1_SlaInverseRow {
        var p = Saturn_V1_SlaInverseRow()
        p.batchSize = UInt32(clamping: batchSize)
        if let f = feasibleTokens {
            p.feasible = true
            p.minFeasibleTokens = f.lowerBound
            p.maxFeasibleTokens = f.upperBound
        }
        p.tokensAtMinimumLatency = tokensAtMinimumLatency
        p.minimumLatencyMs = minimumLatencyMs
        return p
    }
}
