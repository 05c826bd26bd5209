import SaturnModel

/// The one seam through which telemetry enters the agent: bytes in, a validated step or a ``DropReason`` out.
///
/// Today it reads `saturn.v1.StepTelemetry` (``StepTelemetryParser``); another format (e.g. Forward Pass
/// Metrics) is added here, so that everything behind it (rate limits, key tables, windows) stays the same.
public enum TelemetryDecoder {
    /// Parses and validates one payload without allocating: names stay byte ranges of `payload` (the parser has
    /// checked that every copy of every string field is valid UTF-8, as SwiftProtobuf does).
    @inline(__always)
    public static func decode(_ payload: UnsafeRawBufferPointer) -> Result<RawStep, DropReason> {
        guard let m = StepTelemetryParser.parse(payload) else { return .failure(.malformed) }
        if let drop = StepTelemetryParser.validate(m) { return .failure(drop) }
        return .success(m)
    }

    /// Decodes and validates one payload into a ``Step`` with Swift strings (invalid UTF-8 is `malformed`).
    public static func decode(_ payload: [UInt8]) -> Result<Step, DropReason> {
        payload.withUnsafeBytes { p -> Result<Step, DropReason> in
            let m: RawStep
            switch decode(p) {
            case .success(let raw): m = raw
            case .failure(let drop): return .failure(drop)
            }
            guard let worker = string(p, m.workerID), let model = string(p, m.model),
                let hardware = string(p, m.hardware)
            else { return .failure(.malformed) }
            return .success(
                Step(
                    workerID: worker, key: ModelKey(model: model, hardware: hardware), batchSize: Double(m.batchSize),
                    tokens: Double(m.tokens), latencyMs: m.latencyMs, timestampNs: m.timestampNs, sequence: m.sequence,
                    kvContextTokens: m.kvContextTokens))
        }
    }

    /// The UTF-8 string in `range` of `p`, or nil when it is not valid UTF-8 (proto3 strings must be).
    public static func string(_ p: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        String(validating: UnsafeRawBufferPointer(rebasing: p[range]), as: UTF8.self)
    }
}
