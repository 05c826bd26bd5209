/// A `saturn.v1.StepTelemetry` parsed without allocation: numbers decoded, strings left as byte ranges of the
/// payload. This is the telemetry hot path (the agent's ingest rate depends on it); ``TelemetryDecoder`` builds
/// on it, and tests check it against SwiftProtobuf's decoding of the same bytes.
public struct RawStep: Sendable, Equatable {
    public var protocolVersion: UInt32 = 0
    public var workerID: Range<Int> = 0..<0
    public var model: Range<Int> = 0..<0
    public var hardware: Range<Int> = 0..<0
    public var batchSize: UInt32 = 0
    public var tokens: UInt64 = 0
    public var latencyMs: Double = 0
    public var timestampNs: Int64 = 0
    public var sequence: UInt64 = 0
    public var prefillTokens: UInt64? = nil
    public var decodeTokens: UInt64? = nil
    public var prefillRequests: UInt32? = nil
    public var decodeRequests: UInt32? = nil
    public var kvContextTokens: UInt64? = nil

    public init() {}
}

public enum StepTelemetryParser {
    /// Parses the protobuf wire format of `StepTelemetry` (proto3: last occurrence of a field wins, unknown
    /// fields are skipped by wire type, a known field with the wrong wire type or a truncated field is an error).
    /// - Returns: nil when the bytes are not a well-formed `StepTelemetry`. UTF-8 of the strings is not checked
    ///   here (see ``TelemetryDecoder``).
    public static func parse(_ p: UnsafeRawBufferPointer) -> RawStep? {
        var s = RawStep()
        var i = 0
        let n = p.count
        @inline(__always) func varint() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                let b = p[i]
                i += 1
                if shift == 63 && b > 1 { return nil }
                result |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
                if shift > 63 { return nil }
            }
            return nil
        }
        while i < n {
            guard let tag = varint(), tag >> 3 > 0, tag >> 3 <= UInt64(UInt32.max) >> 3 else { return nil }
            let field = tag >> 3
            let wire = tag & 7
            switch (field, wire) {
            case (1, 0): guard let v = varint() else { return nil }; s.protocolVersion = UInt32(truncatingIfNeeded: v)
            case (5, 0): guard let v = varint() else { return nil }; s.batchSize = UInt32(truncatingIfNeeded: v)
            case (6, 0): guard let v = varint() else { return nil }; s.tokens = v
            case (8, 0): guard let v = varint() else { return nil }; s.timestampNs = Int64(bitPattern: v)
            case (9, 0): guard let v = varint() else { return nil }; s.sequence = v
            case (10, 0): guard let v = varint() else { return nil }; s.prefillTokens = v
            case (11, 0): guard let v = varint() else { return nil }; s.decodeTokens = v
            case (12, 0): guard let v = varint() else { return nil }; s.prefillRequests = UInt32(truncatingIfNeeded: v)
            case (13, 0): guard let v = varint() else { return nil }; s.decodeRequests = UInt32(truncatingIfNeeded: v)
            case (14, 0): guard let v = varint() else { return nil }; s.kvContextTokens = v
            case (7, 1):
                guard i + 8 <= n else { return nil }
                var bits: UInt64 = 0
                for k in 0..<8 { bits |= UInt64(p[i + k]) << (8 * UInt64(k)) }
                s.latencyMs = Double(bitPattern: bits)
                i += 8
            case (2, 2), (3, 2), (4, 2):
                guard let len = varint(), len <= UInt64(n - i) else { return nil }
                let r = i..<(i + Int(len))
                i += Int(len)
                if field == 2 { s.workerID = r } else if field == 3 { s.model = r } else { s.hardware = r }
            case (1...14, _):
                return nil  // a known field with the wrong wire type
            case (_, 0):
                guard varint() != nil else { return nil }
            case (_, 1):
                guard i + 8 <= n else { return nil }
                i += 8
            case (_, 2):
                guard let len = varint(), len <= UInt64(n - i) else { return nil }
                i += Int(len)
            case (_, 5):
                guard i + 4 <= n else { return nil }
                i += 4
            default:
                return nil  // groups (3, 4) and invalid wire types
            }
        }
        return s
    }

    /// Validates a parsed step (everything except UTF-8 and the string contents).
    public static func validate(_ m: RawStep) -> DropReason? {
        guard m.protocolVersion == wireProtocolVersion else { return .unsupportedVersion }
        guard !m.workerID.isEmpty, !m.model.isEmpty, !m.hardware.isEmpty else { return .missingField }
        guard m.workerID.count <= WireLimits.maximumStringBytes, m.model.count <= WireLimits.maximumStringBytes,
            m.hardware.count <= WireLimits.maximumStringBytes
        else { return .absurd }
        guard m.latencyMs.isFinite else { return .nonFinite }
        guard m.batchSize > 0, m.tokens > 0, m.latencyMs > 0 else { return .nonPositive }
        guard Double(m.batchSize) <= WireLimits.maximumBatchSize, Double(m.tokens) <= WireLimits.maximumTokens,
            m.latencyMs <= WireLimits.maximumLatencyMs
        else { return .absurd }
        if m.prefillTokens != nil || m.decodeTokens != nil {
            let split = (m.prefillTokens ?? 0).addingReportingOverflow(m.decodeTokens ?? 0)
            if split.overflow || split.partialValue > m.tokens { return .absurd }
        }
        if m.prefillRequests != nil || m.decodeRequests != nil {
            if UInt64(m.prefillRequests ?? 0) + UInt64(m.decodeRequests ?? 0) > UInt64(m.batchSize) { return .absurd }
        }
        return nil
    }
}
