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
    public var prefillAttentionTokens: UInt64? = nil

    public init() {}
}

/// The hand-written `StepTelemetry` parser.
///
/// It accepts exactly the byte strings that `Saturn_V1_StepTelemetry(serializedBytes:)` of the pinned
/// SwiftProtobuf (1.39.0) accepts and decodes the same values; `StepTelemetryParserTests` checks this
/// differentially. The rules it copies from SwiftProtobuf's `BinaryDecoder`:
///
/// - A top-level tag is at most 5 bytes (the fifth ≤ 0x0F), non-minimal encodings allowed; field number 0, wire
///   types 6 and 7, and an end-group tag outside a group are errors.
/// - A varint is at most 10 bytes; of the tenth byte only the lowest bit is kept (bits beyond 64 are dropped,
///   not rejected), and a continuation bit on the tenth byte is an error.
/// - A known field with another wire type is an unknown field: skipped, the field keeps its value.
/// - Unknown fields are skipped by wire type, groups included: a group ends at the end-group tag of the same
///   field number (another number is an error), nests at most 99 deep (message depth limit 100, the message
///   itself counting one), and tags inside a group are read as varints (up to 10 bytes, value < 2³² − 1).
/// - Scalars: the last occurrence wins. Strings: every occurrence must be valid UTF-8 (a repeated copy that is
///   not fails the message even when a later valid copy replaces it); the last occurrence wins.
public enum StepTelemetryParser {
    /// Largest nesting of unknown groups SwiftProtobuf accepts (`messageDepthLimit` 100 minus the message).
    static let maximumGroupDepth = 99

    /// Parses the protobuf wire format of `StepTelemetry` (proto3: last occurrence of a field wins; unknown
    /// fields and known fields of another wire type are skipped; truncation and invalid UTF-8 are errors).
    /// - Returns: nil when SwiftProtobuf would reject the bytes. Values are not validated (see ``validate(_:)``).
    public static func parse(_ p: UnsafeRawBufferPointer) -> RawStep? {
        var s = RawStep()
        var i = 0
        let n = p.count
        while i < n {
            guard let tag = topLevelTag(p, &i) else { return nil }
            let field = tag >> 3
            let wire = tag & 7
            switch (field, wire) {
            case (1, 0):
                guard let v = varint(p, &i) else { return nil }
                s.protocolVersion = UInt32(truncatingIfNeeded: v)
            case (5, 0): guard let v = varint(p, &i) else { return nil }; s.batchSize = UInt32(truncatingIfNeeded: v)
            case (6, 0): guard let v = varint(p, &i) else { return nil }; s.tokens = v
            case (8, 0): guard let v = varint(p, &i) else { return nil }; s.timestampNs = Int64(bitPattern: v)
            case (9, 0): guard let v = varint(p, &i) else { return nil }; s.sequence = v
            case (10, 0): guard let v = varint(p, &i) else { return nil }; s.prefillTokens = v
            case (11, 0): guard let v = varint(p, &i) else { return nil }; s.decodeTokens = v
            case (12, 0):
                guard let v = varint(p, &i) else { return nil }
                s.prefillRequests = UInt32(truncatingIfNeeded: v)
            case (13, 0):
                guard let v = varint(p, &i) else { return nil }
                s.decodeRequests = UInt32(truncatingIfNeeded: v)
            case (14, 0): guard let v = varint(p, &i) else { return nil }; s.kvContextTokens = v
            case (15, 0): guard let v = varint(p, &i) else { return nil }; s.prefillAttentionTokens = v
            case (7, 1):
                guard n - i >= 8 else { return nil }
                let bits = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                s.latencyMs = Double(bitPattern: UInt64(littleEndian: bits))
                i += 8
            case (2, 2), (3, 2), (4, 2):
                guard let len = varint(p, &i), len <= UInt64(n - i) else { return nil }
                let r = i..<(i + Int(len))
                guard isValidUTF8(UnsafeRawBufferPointer(rebasing: p[r])) else { return nil }
                i = r.upperBound
                if field == 2 { s.workerID = r } else if field == 3 { s.model = r } else { s.hardware = r }
            case (_, 4):
                return nil  // an end-group tag outside any group
            default:
                // Unknown fields, and known fields with another wire type (SwiftProtobuf leaves those unconsumed
                // and keeps them as unknown fields).
                guard skip(p, &i, field: field, wire: wire, depth: 0) else { return nil }
            }
        }
        return s
    }

    /// A tag at the top level of the message, as SwiftProtobuf's `nextFieldNumber()` reads it: at most 5 bytes,
    /// a valid wire type, a non-zero field number.
    @inline(__always)
    static func topLevelTag(_ p: UnsafeRawBufferPointer, _ i: inout Int) -> UInt32? {
        let n = p.count
        var tag: UInt32 = 0
        var shift: UInt32 = 0
        while i < n {
            let b = p[i]
            i += 1
            if shift == 28 && b > 0x0F { return nil }  // a fifth byte must end the tag and keep it below 2³²
            tag |= UInt32(b & 0x7f) << shift
            if b & 0x80 == 0 {
                guard tag >> 3 != 0, tag & 7 <= 5 else { return nil }
                return tag
            }
            shift += 7
        }
        return nil
    }

    /// A varint as SwiftProtobuf's `decodeVarint()` reads it: at most 10 bytes; bits beyond the 64th (the tenth
    /// byte's bits 1...6) are dropped; a tenth byte with its continuation bit set is an error.
    @inline(__always)
    static func varint(_ p: UnsafeRawBufferPointer, _ i: inout Int) -> UInt64? {
        let n = p.count
        guard i < n else { return nil }
        var b = p[i]
        i += 1
        if b & 0x80 == 0 { return UInt64(b) }
        var result = UInt64(b & 0x7f)
        var shift: UInt64 = 7
        while i < n && shift <= 63 {
            b = p[i]
            i += 1
            result |= UInt64(b & 0x7f) &<< shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    /// Skips the body of a field whose tag has been read. `depth` is the number of groups around it.
    static func skip(_ p: UnsafeRawBufferPointer, _ i: inout Int, field: UInt32, wire: UInt32, depth: Int) -> Bool {
        let n = p.count
        switch wire {
        case 0:
            return varint(p, &i) != nil
        case 1:
            guard n - i >= 8 else { return false }
            i += 8
            return true
        case 2:
            guard let len = varint(p, &i), len <= UInt64(n - i) else { return false }
            i += Int(len)
            return true
        case 3:
            guard depth < maximumGroupDepth else { return false }
            while true {
                // Inside a group SwiftProtobuf reads tags with its general varint reader.
                guard let t = varint(p, &i), t < UInt64(UInt32.max), t >> 3 != 0, t & 7 <= 5 else { return false }
                let innerField = UInt32(t >> 3)
                let innerWire = UInt32(t & 7)
                if innerWire == 4 { return innerField == field }
                guard skip(p, &i, field: innerField, wire: innerWire, depth: depth + 1) else { return false }
            }
        case 5:
            guard n - i >= 4 else { return false }
            i += 4
            return true
        default:
            return false
        }
    }

    /// Whether `p` is well-formed UTF-8 (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above
    /// U+10FFFF), the check SwiftProtobuf applies to every string field it decodes. No allocation.
    public static func isValidUTF8(_ p: UnsafeRawBufferPointer) -> Bool {
        let n = p.count
        var i = 0
        while i < n {
            // ASCII runs eight bytes at a time.
            while n - i >= 8 {
                let word = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            guard i < n else { return true }
            let b0 = p[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            // The allowed range of the second byte depends on the first; later bytes are 80...BF.
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false
            }
            guard n - i >= length else { return false }
            let b1 = p[i + 1]
            guard b1 >= low && b1 <= high else { return false }
            for k in 2..<length {
                guard p[i + k] & 0xC0 == 0x80 else { return false }
            }
            i += length
        }
        return true
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
        if let k = m.kvContextTokens, Double(k) > WireLimits.maximumKVContextTokens { return .absurd }
        // A sum of squares of chunks that add up to at most S tokens is at most S².
        if let q = m.prefillAttentionTokens, Double(q) > Double(m.tokens) * Double(m.tokens) { return .absurd }
        return nil
    }
}
