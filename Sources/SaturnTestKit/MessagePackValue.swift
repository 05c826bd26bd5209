/// A MessagePack value for building test payloads, encoded in the smallest format as msgspec does (maps keep
/// their order; `.raw` writes string bytes as given, invalid UTF-8 included).
public indirect enum Pack: Sendable {
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case float(Float)
    case str(String)
    case raw([UInt8])  // string bytes as given (invalid UTF-8 allowed)
    case map([(String, Pack)])
    case array([Pack])
    case `nil`
    case bool(Bool)

    /// The encoding.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    private static func be(_ v: UInt64, _ width: Int) -> [UInt8] {
        (0..<width).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
    }

    private static func string(_ b: [UInt8], into out: inout [UInt8]) {
        switch b.count {
        case 0..<32: out.append(0xa0 | UInt8(b.count))
        case 32..<256: out += [0xd9, UInt8(b.count)]
        case 256..<65536: out += [0xda] + be(UInt64(b.count), 2)
        default: out += [0xdb] + be(UInt64(b.count), 4)
        }
        out += b
    }

    /// Appends the encoding to `out`.
    public func encode(into out: inout [UInt8]) {
        switch self {
        case .int(let v) where v >= 0: Pack.uint(UInt64(v)).encode(into: &out)
        case .int(let v):
            switch v {
            case -32..<0: out.append(UInt8(bitPattern: Int8(v)))
            case Int64(Int8.min)...: out += [0xd0] + Pack.be(UInt64(bitPattern: v), 1)
            case Int64(Int16.min)...: out += [0xd1] + Pack.be(UInt64(bitPattern: v), 2)
            case Int64(Int32.min)...: out += [0xd2] + Pack.be(UInt64(bitPattern: v), 4)
            default: out += [0xd3] + Pack.be(UInt64(bitPattern: v), 8)
            }
        case .uint(let v):
            switch v {
            case 0..<128: out.append(UInt8(v))
            case 128..<256: out += [0xcc, UInt8(v)]
            case 256..<65536: out += [0xcd] + Pack.be(v, 2)
            case 65536..<(1 << 32): out += [0xce] + Pack.be(v, 4)
            default: out += [0xcf] + Pack.be(v, 8)
            }
        case .double(let d): out += [0xcb] + Pack.be(d.bitPattern, 8)
        case .float(let f): out += [0xca] + Pack.be(UInt64(f.bitPattern), 4)
        case .str(let s): Pack.string(Array(s.utf8), into: &out)
        case .raw(let b): Pack.string(b, into: &out)
        case .map(let pairs):
            if pairs.count < 16 {
                out.append(0x80 | UInt8(pairs.count))
            } else {
                out += [0xde] + Pack.be(UInt64(pairs.count), 2)
            }
            for (k, v) in pairs {
                Pack.str(k).encode(into: &out)
                v.encode(into: &out)
            }
        case .array(let items):
            if items.count < 16 {
                out.append(0x90 | UInt8(items.count))
            } else {
                out += [0xdc] + Pack.be(UInt64(items.count), 2)
            }
            for v in items { v.encode(into: &out) }
        case .nil: out.append(0xc0)
        case .bool(let b): out.append(b ? 0xc3 : 0xc2)
        }
    }
}

/// Forward Pass Metrics v1 payloads built field by field, in the order and with the defaults of the format.
public enum FPMPayload {
    public static func scheduled(prefillRequests: Int64 = 0, prefillTokens: Int64 = 0, prefillKV: Int64 = 0,
                          decodeRequests: Int64 = 0, decodeKV: Int64 = 0) -> [(String, Pack)] {
        [("num_prefill_requests", .int(prefillRequests)), ("sum_prefill_tokens", .int(prefillTokens)),
         ("var_prefill_length", .double(0)), ("sum_prefill_kv_tokens", .int(prefillKV)),
         ("num_decode_requests", .int(decodeRequests)), ("sum_decode_kv_tokens", .int(decodeKV)),
         ("var_decode_kv_tokens", .double(0))]
    }

    public static let queued: [(String, Pack)] = [
        ("num_prefill_requests", .int(0)), ("sum_prefill_tokens", .int(0)), ("var_prefill_length", .double(0)),
        ("num_decode_requests", .int(0)), ("sum_decode_kv_tokens", .int(0)), ("var_decode_kv_tokens", .double(0)),
    ]

    public static func fields(version: Pack = .int(1), worker: Pack = .str("w0"), counter: Int64 = 0, wallTime: Pack,
                       scheduled: [(String, Pack)]) -> [(String, Pack)] {
        [("version", version), ("worker_id", worker), ("dp_rank", .int(0)), ("counter_id", .int(counter)),
         ("wall_time", wallTime), ("scheduled_requests", .map(scheduled)), ("queued_requests", .map(queued))]
    }

    public static func payload(_ fields: [(String, Pack)]) -> [UInt8] { Pack.map(fields).bytes }

    /// The three frames of one FPM message: empty topic, `sequence` as 8 bytes big-endian, the payload.
    public static func frames(sequence: UInt64, _ payload: [UInt8]) -> [[UInt8]] {
        [[], (0..<8).reversed().map { UInt8(truncatingIfNeeded: sequence >> (8 * UInt64($0))) }, payload]
    }

    /// A step message's payload: `decodeRequests` decode requests, `prefillTokens` prefill tokens in
    /// `prefillRequests` requests, `wallTime` seconds.
    public static func step(wallTime: Double, prefillRequests: Int64 = 0, prefillTokens: Int64 = 0,
                            decodeRequests: Int64 = 0, decodeKV: Int64 = 0, counter: Int64 = 0) -> [UInt8] {
        payload(fields(counter: counter, wallTime: .double(wallTime),
                       scheduled: scheduled(prefillRequests: prefillRequests, prefillTokens: prefillTokens,
                                            decodeRequests: decodeRequests, decodeKV: decodeKV)))
    }

    /// An idle heartbeat's payload.
    public static func heartbeat(counter: Int64 = 0) -> [UInt8] {
        payload(fields(counter: counter, wallTime: .double(0), scheduled: scheduled()))
    }
}
