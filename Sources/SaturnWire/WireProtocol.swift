/// The protocol version this build speaks (`protocol_version` in every message).
public let wireProtocolVersion: UInt32 = 1

/// Pub/sub topic frames.
public enum Topic {
    /// Telemetry (`StepTelemetry`).
    public static let step: [UInt8] = Array("step".utf8)
    /// Parameter broadcasts (`ParameterUpdate`).
    public static let parameters: [UInt8] = Array("params".utf8)
    /// Heartbeats on the broadcast socket (`ParameterHeartbeat`).
    public static let heartbeat: [UInt8] = Array("heartbeat".utf8)
}
