import SaturnModel

/// The one seam through which telemetry enters the agent: bytes in, a validated step or a ``DropReason`` out.
///
/// It reads `saturn.v1.StepTelemetry` (``StepTelemetryParser``) and Forward Pass Metrics v1 payloads
/// (``ForwardPassMetrics``, ``ForwardPassStep``); another format is added here, so that everything behind it
/// (rate limits, key tables, windows) stays the same.
public enum TelemetryDecoder {
    /// Decodes, validates and maps one Forward Pass Metrics payload (the third frame of an FPM message).
    ///
    /// Drop reasons: `unsupportedVersion` when `version` is present and not 1 (checked before anything else is
    /// read); `malformed` when the payload is not a MessagePack map of the v1 fields with their types or
    /// `worker_id` is not UTF-8; `absurd` for a `worker_id` longer than ``WireLimits/maximumStringBytes``; the
    /// value checks of ``ForwardPassStep/mapping(_:)``. No allocation.
    /// - Returns: the decoded message (its ``ForwardPassMetrics/unknownKeys`` tell what was skipped) and the step
    ///   or heartbeat it maps to.
    public static func decodeForwardPass(_ payload: UnsafeRawBufferPointer)
        -> Result<(metrics: ForwardPassMetrics, step: ForwardPassStep), DropReason>
    {
        let m: ForwardPassMetrics
        do {
            m = try ForwardPassMetrics(messagePack: payload)
        } catch {
            switch error {
            case .unsupportedVersion: return .failure(.unsupportedVersion)
            case .malformed: return .failure(.malformed)
            }
        }
        guard StepTelemetryParser.isValidUTF8(UnsafeRawBufferPointer(rebasing: payload[m.workerID])) else {
            return .failure(.malformed)
        }
        guard m.workerID.count <= WireLimits.maximumStringBytes else { return .failure(.absurd) }
        switch ForwardPassStep.mapping(m) {
        case .success(let step): return .success((m, step))
        case .failure(let reason): return .failure(reason)
        }
    }

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
                    kvContextTokens: m.kvContextTokens, prefillAttentionTokens: m.prefillAttentionTokens))
        }
    }

    /// The UTF-8 string in `range` of `p`, or nil when it is not valid UTF-8 (proto3 strings must be).
    public static func string(_ p: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        String(validating: UnsafeRawBufferPointer(rebasing: p[range]), as: UTF8.self)
    }
}
