import SaturnModel

/// A capacity query (request 15): the `(B, S)` maximising tokens/ms within a latency limit.
public struct CapacityQuery: Sendable, Hashable {
    /// The key whose parameters answer.
    public var key: ModelKey
    /// The latency limit (ms, > 0).
    public var latencyLimitMs: Double
    /// Integer batch sizes searched.
    public var batchSizes: ClosedRange<Int>
    /// Token range searched.
    public var tokens: ClosedRange<Double>
    /// Answer with a whole number of tokens.
    public var integerTokens: Bool

    /// Memberwise initialiser (not validated).
    public init(
        key: ModelKey, latencyLimitMs: Double, batchSizes: ClosedRange<Int>, tokens: ClosedRange<Double>,
        integerTokens: Bool = false
    ) {
        self.key = key
        self.latencyLimitMs = latencyLimitMs
        self.batchSizes = batchSizes
        self.tokens = tokens
        self.integerTokens = integerTokens
    }

    /// From the wire, validated.
    /// - Throws: ``QueryError`` with code ``QueryError/Code/invalidArgument`` naming the field.
    public init(validating p: Saturn_V1_CapacityRequest) throws(QueryError) {
        key = try DecisionValidation.key(model: p.model, hardware: p.hardware)
        latencyLimitMs = try DecisionValidation.sla(p.latencyLimitMs, field: "latency_limit_ms")
        batchSizes = try DecisionValidation.batchSizes(min: p.minBatchSize, max: p.maxBatchSize)
        tokens = try DecisionValidation.tokens(min: p.minTokens, max: p.maxTokens)
        integerTokens = p.integerTokens
    }

    /// To the wire.
    public var proto: Saturn_V1_CapacityRequest {
        var p = Saturn_V1_CapacityRequest()
        p.model = key.model
        p.hardware = key.hardware
        p.latencyLimitMs = latencyLimitMs
        p.minBatchSize = UInt32(clamping: batchSizes.lowerBound)
        p.maxBatchSize = UInt32(clamping: batchSizes.upperBound)
        p.minTokens = tokens.lowerBound
        p.maxTokens = tokens.upperBound
        p.integerTokens = integerTokens
        return p
    }

    /// The best point with `parameters` (continuous or whole-token `S`), nil when nothing meets the limit.
    public func answer(parameters: LatencyParameters) -> Capacity.Point? {
        let r = Capacity.maximise(
            latencyLimitMs: latencyLimitMs, batchSizes: batchSizes, minimumTokens: tokens.lowerBound,
            maximumTokens: tokens.upperBound, parameters: parameters)
        return integerTokens ? r.bestInteger : r.best
    }
}

extension Capacity.Point {
    /// From the wire; nil when the reply says infeasible.
    public init?(_ proto: Saturn_V1_CapacityReply) {
        guard proto.feasible else { return nil }
        self.init(
            batchSize: Int(proto.batchSize), tokens: proto.tokens, latencyMs: proto.latencyMs,
            tokensPerMs: proto.tokensPerMs, isLatencyBound: proto.latencyBound)
    }

    /// Writes the point into a reply.
    public func write(to reply: inout Saturn_V1_CapacityReply) {
        reply.feasible = true
        reply.batchSize = UInt32(clamping: batchSize)
        reply.tokens = tokens
        reply.latencyMs = latencyMs
        reply.tokensPerMs = tokensPerMs
        reply.latencyBound = isLatencyBound
    }
}
