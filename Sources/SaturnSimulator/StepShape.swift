/// What one engine step computes, as the ground truth needs it.
///
/// Built by the engine without allocation: counts and sums only.
public struct StepShape: Sendable, Equatable {
    /// Requests with a prompt chunk in the step.
    public var prefillRequests: Int = 0
    /// Prompt tokens computed in the step (the sum of the chunks).
    public var prefillTokens: Int = 0
    /// Sum over the chunks of ``StepTruth/priorContextCostMs(chunk:prior:)``: the extra cost of chunks whose
    /// prompt already has context in the KV cache (earlier chunks).
    public var prefillContextCostMs: Double = 0
    /// Sum over the chunks of the context already cached before them (telemetry's KV context).
    public var prefillPriorTokens: Int = 0
    /// Decoding requests (one token each).
    public var decodeRequests: Int = 0
    /// KV tokens read by the decoding requests: the sum of their contexts.
    public var decodeContextTokens: Int = 0

    public init() {}

    /// B as the agent sees it: requests in the step.
    public var batchSize: Int { prefillRequests + decodeRequests }
    /// S as the agent sees it: tokens computed in the step.
    public var tokens: Int { prefillTokens + decodeRequests }
    /// KV-context tokens read by the step (telemetry's `kv_context_tokens`).
    public var kvContextTokens: Int { decodeContextTokens + prefillPriorTokens }
}
