/// One completed engine step, as telemetry reports it.
public struct StepRecord: Sendable, Equatable {
    /// Requests in the step (B).
    public var batchSize: Int
    /// Tokens computed (S).
    public var tokens: Int
    /// KV-context tokens read.
    public var kvContextTokens: Int
    /// Prompt tokens computed (chunks).
    public var prefillTokens: Int
    /// Decoding requests.
    public var decodeRequests: Int
    /// The step's latency in ms (from the truth, with noise).
    public var latencyMs: Double
    /// Simulated time at the end of the step, in seconds.
    public var endTime: Double

    public init(batchSize: Int, tokens: Int, kvContextTokens: Int, prefillTokens: Int, decodeRequests: Int,
                latencyMs: Double, endTime: Double) {
        self.batchSize = batchSize
        self.tokens = tokens
        self.kvContextTokens = kvContextTokens
        self.prefillTokens = prefillTokens
        self.decodeRequests = decodeRequests
        self.latencyMs = latencyMs
        self.endTime = endTime
    }
}
