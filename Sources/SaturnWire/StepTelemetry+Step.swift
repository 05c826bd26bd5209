import SaturnModel

extension Saturn_V1_StepTelemetry {
    /// A telemetry message of this protocol version for one step of `key` by `workerID`.
    /// - Parameters:
    ///   - batchSize: B, requests in the step.
    ///   - tokens: S, tokens computed in the step.
    ///   - latencyMs: the step's wall time in ms.
    ///   - sequence: the worker's sequence number (1, 2, ...; 0 when not numbered).
    ///   - timestampNs: when the step ended, ns since the epoch.
    public init(workerID: String, key: ModelKey, batchSize: UInt32, tokens: UInt64, latencyMs: Double,
                sequence: UInt64, timestampNs: Int64) {
        self.init()
        protocolVersion = wireProtocolVersion
        self.workerID = workerID
        model = key.model
        hardware = key.hardware
        self.batchSize = batchSize
        self.tokens = tokens
        self.latencyMs = latencyMs
        self.sequence = sequence
        self.timestampNs = timestampNs
    }
}
