/// One Forward Pass Metrics (FPM) v1 payload, as engines publish it per scheduler iteration (Dynamo's instrumented
/// vLLM scheduler, SGLang's `--forward-pass-metrics-port`): a MessagePack map keyed by field name (msgspec's
/// default struct encoding), in this order:
///
/// | key | type | meaning |
/// |---|---|---|
/// | `version` | int | 1 (absent in some producers: read as 1) |
/// | `worker_id` | str | the engine worker |
/// | `dp_rank` | int | data-parallel rank |
/// | `counter_id` | int | equals the frame's sequence number (absent in some producers) |
/// | `wall_time` | float | **seconds** from `schedule()` to `update_from_output()` |
/// | `scheduled_requests` | map | ``Scheduled`` |
/// | `queued_requests` | map | ``Queued`` |
///
/// Decoded by key: unknown keys (at the top level and inside both maps) are skipped and counted in
/// ``unknownKeys``, absent counts are 0. Values are not validated here (``TelemetryDecoder/decodeForwardPass(_:)``
/// does that and maps the message to a step); strings stay byte ranges of the payload.
public struct ForwardPassMetrics: Sendable, Equatable {
    /// What the engine ran in this iteration.
    public struct Scheduled: Sendable, Equatable {
        /// New requests and chunked-prefill continuations.
        public var numPrefillRequests: Int64 = 0
        /// Tokens computed for prefill in this step (the chunk sizes).
        public var sumPrefillTokens: Int64 = 0
        /// Population variance of the full prompt lengths.
        public var varPrefillLength: Double = 0
        /// KV tokens read, not computed, by prefill (prefix-cache hits and earlier chunks).
        public var sumPrefillKVTokens: Int64 = 0
        public var numDecodeRequests: Int64 = 0
        /// Total context length across the decode requests.
        public var sumDecodeKVTokens: Int64 = 0
        public var varDecodeKVTokens: Double = 0

        public init() {}
    }

    /// What waited in the engine's queue after this iteration's scheduling.
    public struct Queued: Sendable, Equatable {
        public var numPrefillRequests: Int64 = 0
        public var sumPrefillTokens: Int64 = 0
        public var varPrefillLength: Double = 0
        /// Preempted requests.
        public var numDecodeRequests: Int64 = 0
        public var sumDecodeKVTokens: Int64 = 0
        public var varDecodeKVTokens: Double = 0

        public init() {}
    }

    /// The payload format version this build reads.
    public static let supportedVersion: Int64 = 1

    /// `version`; nil when the producer omits it (read as ``supportedVersion``).
    public var version: Int64?
    /// `worker_id`: a range of the payload's bytes (empty when absent; not yet checked for UTF-8).
    public var workerID: Range<Int> = 0..<0
    public var dpRank: Int64 = 0
    /// `counter_id`; nil when the producer omits it.
    public var counterID: Int64?
    /// `wall_time` in seconds; nil when absent.
    public var wallTime: Double?
    /// nil when absent.
    public var scheduled: Scheduled?
    /// nil when absent.
    public var queued: Queued?
    /// Map keys skipped because this build does not know them (top level and nested).
    public var unknownKeys = 0

    public init() {}
}

extension ForwardPassMetrics {
    /// Why a payload could not be decoded.
    public enum DecodingFailure: Error, Equatable, Sendable {
        /// `version` is present and is not ``ForwardPassMetrics/supportedVersion`` (the rest is not read).
        case unsupportedVersion(Int64)
        /// Not a MessagePack map of the v1 fields with their types.
        case malformed(MessagePackReader.Failure)
    }

    /// Decodes one payload: first looks for `version` (skipping every other value) and stops at a version it does
    /// not know, then decodes every field by key. The payload must be exactly one map (trailing bytes are
    /// malformed). No allocation.
    /// - Throws: ``DecodingFailure``.
    public init(messagePack p: UnsafeRawBufferPointer) throws(DecodingFailure) {
        self.init()
        do {
            if let v = try Self.version(p), v != Self.supportedVersion { throw DecodingFailure.unsupportedVersion(v) }
            var r = MessagePackReader(p)
            for _ in 0..<(try r.readMapHeader()) {
                let key = try r.readString()
                switch Key(p, key) {
                case .version: version = try r.readInteger()
                case .workerID: workerID = try r.readString()
                case .dpRank: dpRank = try r.readInteger()
                case .counterID: counterID = try r.readInteger()
                case .wallTime: wallTime = try r.readDouble()
                case .scheduledRequests: scheduled = try readScheduled(&r)
                case .queuedRequests: queued = try readQueued(&r)
                default:
                    unknownKeys += 1
                    try r.skip()
                }
            }
            guard r.isAtEnd else { throw MessagePackReader.Failure.wrongType }
        } catch let e as DecodingFailure {
            throw e
        } catch let e as MessagePackReader.Failure {
            throw .malformed(e)
        } catch {
            throw .malformed(.wrongType)  // unreachable: only the two error types above are thrown
        }
    }

    /// The value of the top-level `version` key, or nil when there is none.
    static func version(_ p: UnsafeRawBufferPointer) throws(MessagePackReader.Failure) -> Int64? {
        var r = MessagePackReader(p)
        for _ in 0..<(try r.readMapHeader()) {
            let key = try r.readString()
            if Key(p, key) == .version { return try r.readInteger() }
            try r.skip()
        }
        return nil
    }

    private mutating func readScheduled(_ r: inout MessagePackReader) throws(MessagePackReader.Failure) -> Scheduled {
        var s = Scheduled()
        let p = r.bytes
        for _ in 0..<(try r.readMapHeader()) {
            let key = try r.readString()
            switch Key(p, key) {
            case .numPrefillRequests: s.numPrefillRequests = try r.readInteger()
            case .sumPrefillTokens: s.sumPrefillTokens = try r.readInteger()
            case .varPrefillLength: s.varPrefillLength = try r.readDouble()
            case .sumPrefillKVTokens: s.sumPrefillKVTokens = try r.readInteger()
            case .numDecodeRequests: s.numDecodeRequests = try r.readInteger()
            case .sumDecodeKVTokens: s.sumDecodeKVTokens = try r.readInteger()
            case .varDecodeKVTokens: s.varDecodeKVTokens = try r.readDouble()
            default:
                unknownKeys += 1
                try r.skip()
            }
        }
        return s
    }

    private mutating func readQueued(_ r: inout MessagePackReader) throws(MessagePackReader.Failure) -> Queued {
        var q = Queued()
        let p = r.bytes
        for _ in 0..<(try r.readMapHeader()) {
            let key = try r.readString()
            switch Key(p, key) {
            case .numPrefillRequests: q.numPrefillRequests = try r.readInteger()
            case .sumPrefillTokens: q.sumPrefillTokens = try r.readInteger()
            case .varPrefillLength: q.varPrefillLength = try r.readDouble()
            case .numDecodeRequests: q.numDecodeRequests = try r.readInteger()
            case .sumDecodeKVTokens: q.sumDecodeKVTokens = try r.readInteger()
            case .varDecodeKVTokens: q.varDecodeKVTokens = try r.readDouble()
            default:
                unknownKeys += 1
                try r.skip()
            }
        }
        return q
    }

    /// The field names of FPM v1, matched against a key's bytes without building a `String`.
    enum Key: CaseIterable {
        case version, workerID, dpRank, counterID, wallTime, scheduledRequests, queuedRequests
        case numPrefillRequests, sumPrefillTokens, varPrefillLength, sumPrefillKVTokens, numDecodeRequests
        case sumDecodeKVTokens, varDecodeKVTokens
        case unknown

        /// The name on the wire.
        var name: StaticString {
            switch self {
            case .version: "version"
            case .workerID: "worker_id"
            case .dpRank: "dp_rank"
            case .counterID: "counter_id"
            case .wallTime: "wall_time"
            case .scheduledRequests: "scheduled_requests"
            case .queuedRequests: "queued_requests"
            case .numPrefillRequests: "num_prefill_requests"
            case .sumPrefillTokens: "sum_prefill_tokens"
            case .varPrefillLength: "var_prefill_length"
            case .sumPrefillKVTokens: "sum_prefill_kv_tokens"
            case .numDecodeRequests: "num_decode_requests"
            case .sumDecodeKVTokens: "sum_decode_kv_tokens"
            case .varDecodeKVTokens: "var_decode_kv_tokens"
            case .unknown: ""
            }
        }

        /// The key whose name is the bytes at `range` of `p` (``unknown`` when none is).
        init(_ p: UnsafeRawBufferPointer, _ range: Range<Int>) {
            let bytes = UnsafeRawBufferPointer(rebasing: p[range])
            for k in Self.allCases where k != .unknown {
                let name = k.name
                if name.utf8CodeUnitCount == bytes.count,
                    UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount).elementsEqual(bytes)
                {
                    self = k
                    return
                }
            }
            self = .unknown
        }
    }
}
