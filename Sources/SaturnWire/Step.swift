import SaturnModel

/// One validated telemetry step with its names as Swift strings (what tests and tools see; the agent's hot path
/// keeps names as byte ranges, see ``TelemetryDecoder/decode(_:)-(UnsafeRawBufferPointer)``).
public struct Step: Sendable, Equatable {
    public var workerID: String
    public var key: ModelKey
    /// B: requests in the step.
    public var batchSize: Double
    /// S: tokens computed in the step.
    public var tokens: Double
    /// T: the step's latency in ms.
    public var latencyMs: Double
    public var timestampNs: Int64
    /// Per-worker sequence number (0: not numbered).
    public var sequence: UInt64
    /// `K`, the KV-context tokens attention reads in the step, when the engine reports them.
    public var kvContextTokens: UInt64?
    /// `Q`, the sum over the step's prefill chunks of chunk², when the engine reports it.
    public var prefillAttentionTokens: UInt64? = nil
}
