import SaturnNumerics
import SaturnTestKit
import SaturnWire
import Testing

/// Decoding helpers over ``FPMPayload``.
enum FPM {
    static func scheduled(prefillRequests: Int64 = 0, prefillTokens: Int64 = 0, prefillKV: Int64 = 0,
                          decodeRequests: Int64 = 0, decodeKV: Int64 = 0) -> [(String, Pack)] {
        FPMPayload.scheduled(prefillRequests: prefillRequests, prefillTokens: prefillTokens, prefillKV: prefillKV,
                             decodeRequests: decodeRequests, decodeKV: decodeKV)
    }

    static func fields(version: Pack = .int(1), worker: Pack = .str("w0"), counter: Int64 = 0, wallTime: Pack,
                       scheduled: [(String, Pack)]) -> [(String, Pack)] {
        FPMPayload.fields(version: version, worker: worker, counter: counter, wallTime: wallTime, scheduled: scheduled)
    }

    static func payload(_ fields: [(String, Pack)]) -> [UInt8] { FPMPayload.payload(fields) }

    static func decode(_ bytes: [UInt8]) -> Result<(metrics: ForwardPassMetrics, step: ForwardPassStep), DropReason> {
        bytes.withUnsafeBytes { TelemetryDecoder.decodeForwardPass($0) }
    }

    static func step(_ bytes: [UInt8]) -> ForwardPassStep? {
        if case .success(let d) = decode(bytes) { return d.step }
        return nil
    }

    static func drop(_ bytes: [UInt8]) -> DropReason? {
        if case .failure(let r) = decode(bytes) { return r }
        return nil
    }
}

/// Forward Pass Metrics v1 payloads: the msgspec encoding decodes to the right step, heartbeats are liveness,
/// other versions are skipped, and every malformed, truncated, mistyped or oversized input is a drop reason.
struct ForwardPassMetricsTests {
    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    /// `msgspec.msgpack.encode` (msgspec 0.23.0) of a `ForwardPassMetrics` struct with the v1 fields in order:
    /// worker_id "vllm-worker-0", dp_rank 1, counter_id 42, wall_time 0.186494727, scheduled (2 prefill requests,
    /// 2048 prefill tokens, 0 prefill KV, 96 decode requests, 98304 decode KV), queued (3, 1536, 4096.0, 1, 700).
    static let msgspecStep = hex(
        "87a776657273696f6e01a9776f726b65725f6964ad766c6c6d2d776f726b65722d30a764705f72616e6b01aa636f756e7465725f6964"
            + "2aa977616c6c5f74696d65cb3fc7df0f28abb493b27363686564756c65645f726571756573747387b46e756d5f70726566696c6c"
            + "5f726571756573747302b273756d5f70726566696c6c5f746f6b656e73cd0800b27661725f70726566696c6c5f6c656e677468cb"
            + "0000000000000000b573756d5f70726566696c6c5f6b765f746f6b656e7300b36e756d5f6465636f64655f726571756573747360"
            + "b473756d5f6465636f64655f6b765f746f6b656e73ce00018000b47661725f6465636f64655f6b765f746f6b656e73cb00000000"
            + "00000000af7175657565645f726571756573747386b46e756d5f70726566696c6c5f726571756573747303b273756d5f70726566"
            + "696c6c5f746f6b656e73cd0600b27661725f70726566696c6c5f6c656e677468cb40b0000000000000b36e756d5f6465636f6465"
            + "5f726571756573747301b473756d5f6465636f64655f6b765f746f6b656e73cd02bcb47661725f6465636f64655f6b765f746f6b"
            + "656e73cb0000000000000000")

    /// The same encoder's idle heartbeat: every field at its default, worker_id "w", counter_id 7.
    static let msgspecHeartbeat = hex(
        "87a776657273696f6e01a9776f726b65725f6964a177a764705f72616e6b00aa636f756e7465725f696407a977616c6c5f74696d65cb"
            + "0000000000000000b27363686564756c65645f726571756573747387b46e756d5f70726566696c6c5f726571756573747300b273"
            + "756d5f70726566696c6c5f746f6b656e7300b27661725f70726566696c6c5f6c656e677468cb0000000000000000b573756d5f70"
            + "726566696c6c5f6b765f746f6b656e7300b36e756d5f6465636f64655f726571756573747300b473756d5f6465636f64655f6b76"
            + "5f746f6b656e7300b47661725f6465636f64655f6b765f746f6b656e73cb0000000000000000af7175657565645f726571756573"
            + "747386b46e756d5f70726566696c6c5f726571756573747300b273756d5f70726566696c6c5f746f6b656e7300b27661725f7072"
            + "6566696c6c5f6c656e677468cb0000000000000000b36e756d5f6465636f64655f726571756573747300b473756d5f6465636f64"
            + "655f6b765f746f6b656e7300b47661725f6465636f64655f6b765f746f6b656e73cb0000000000000000")

    @Test func msgspecEncodedStepDecodesToTheMappedStep() throws {
        let p = Self.msgspecStep
        guard case .success(let d) = FPM.decode(p) else { Issue.record("not decoded: \(FPM.decode(p))"); return }
        let m = d.metrics
        #expect(m.version == 1 && m.dpRank == 1 && m.counterID == 42 && m.wallTime == 0.186494727 && m.unknownKeys == 0)
        #expect(Array(p[m.workerID]) == Array("vllm-worker-0".utf8))
        #expect(m.queued?.numPrefillRequests == 3 && m.queued?.varPrefillLength == 4096 && m.queued?.sumDecodeKVTokens == 700)
        // B = 2 + 96, S = 2048 + 96, KV = 0 + 98304, T = 1000 x wall_time, Q = 2 x (0 + 1024²).
        #expect(d.step == .step(.init(batchSize: 98, tokens: 2144, latencyMs: 1000 * 0.186494727, prefillTokens: 2048,
                                      decodeTokens: 96, prefillRequests: 2, decodeRequests: 96, kvContextTokens: 98304,
                                      prefillAttentionTokens: 2 * 1024 * 1024)))
    }

    /// `Q = n (var + mean²)`, kept within `[P²/n, P²]` whatever the variance says.
    @Test func prefillAttentionComesFromTheChunksMeanAndVariance() {
        func q(requests: Int64, tokens: Int64, variance: Pack) -> Double? {
            var scheduled = FPM.scheduled(prefillRequests: requests, prefillTokens: tokens, decodeRequests: 1)
            scheduled[scheduled.firstIndex { $0.0 == "var_prefill_length" }!] = ("var_prefill_length", variance)
            guard case .step(let s) = FPM.step(FPM.payload(FPM.fields(wallTime: .double(0.02), scheduled: scheduled)))
            else { return nil }
            return s.prefillAttentionTokens
        }
        #expect(q(requests: 2, tokens: 100, variance: .double(400)) == 5800.0)  // 2 (400 + 50²): chunks 30 and 70
        #expect(q(requests: 2, tokens: 100, variance: .double(0)) == 5000)
        #expect(q(requests: 2, tokens: 100, variance: .double(-1)) == 5000)
        #expect(q(requests: 2, tokens: 100, variance: .double(.nan)) == 5000)
        #expect(q(requests: 2, tokens: 100, variance: .double(1e9)) == 10_000)  // at most P²
        #expect(q(requests: 0, tokens: 0, variance: .double(7)) == 0)
    }

    @Test func heartbeatsAreLivenessNotSteps() {
        #expect(FPM.step(Self.msgspecHeartbeat) == .heartbeat)
        // Queued work does not make a heartbeat a step.
        var fields = FPM.fields(wallTime: .double(0), scheduled: FPM.scheduled())
        fields[6] = ("queued_requests", .map([("num_prefill_requests", .int(5))]))
        #expect(FPM.step(FPM.payload(fields)) == .heartbeat)
        // Nothing scheduled but time spent is neither a heartbeat nor a step.
        #expect(FPM.drop(FPM.payload(FPM.fields(wallTime: .double(0.01), scheduled: FPM.scheduled()))) == .nonPositive)
    }

    @Test func otherVersionsAreSkippedBeforeAnythingElseIsRead() {
        let v2 = FPM.payload(FPM.fields(version: .int(2), wallTime: .double(0.02), scheduled: FPM.scheduled(decodeRequests: 1)))
        #expect(FPM.drop(v2) == .unsupportedVersion)
        // A version 2 payload whose other fields a v1 reader could not read is still an unknown version, not malformed.
        let v2Changed = FPM.payload([("wall_time", .str("20ms")), ("version", .int(2)), ("scheduled_requests", .array([]))])
        #expect(FPM.drop(v2Changed) == .unsupportedVersion)
        #expect(FPM.drop(FPM.payload(FPM.fields(version: .int(0), wallTime: .double(0.02), scheduled: FPM.scheduled(decodeRequests: 1)))) == .unsupportedVersion)
        #expect(FPM.drop(FPM.payload(FPM.fields(version: .str("1"), wallTime: .double(0.02), scheduled: FPM.scheduled()))) == .malformed)
    }

    @Test func producersThatOmitVersionAndCounterOrAddFieldsAreRead() {
        var fields = FPM.fields(wallTime: .double(0.03), scheduled: FPM.scheduled(decodeRequests: 4, decodeKV: 4000))
        fields.removeAll { $0.0 == "version" || $0.0 == "counter_id" }
        fields.append(("prefix_cache", .map([("hits", .int(3)), ("blocks", .array([.int(1), .nil, .bool(true)]))])))
        var scheduled = FPM.scheduled(decodeRequests: 4, decodeKV: 4000)
        scheduled.append(("sum_prefill_cached_tokens", .int(12)))
        fields[fields.firstIndex { $0.0 == "scheduled_requests" }!] = ("scheduled_requests", .map(scheduled))
        guard case .success(let d) = FPM.decode(FPM.payload(fields)) else { Issue.record("not decoded"); return }
        #expect(d.metrics.version == nil && d.metrics.counterID == nil)
        #expect(d.metrics.unknownKeys == 2)  // prefix_cache, scheduled_requests.sum_prefill_cached_tokens
        #expect(d.step == .step(.init(batchSize: 4, tokens: 4, latencyMs: 30, prefillTokens: 0, decodeTokens: 4,
                                      prefillRequests: 0, decodeRequests: 4, kvContextTokens: 4000)))
        // Absent counts are 0; keys in any order; an integer wall_time is a number of seconds.
        let sparse = FPM.payload([("scheduled_requests", .map([("num_decode_requests", .int(2))])), ("wall_time", .int(1))])
        #expect(FPM.step(sparse) == .step(.init(batchSize: 2, tokens: 2, latencyMs: 1000, prefillTokens: 0, decodeTokens: 2,
                                                prefillRequests: 0, decodeRequests: 2, kvContextTokens: 0)))
        // float32 wall_time.
        #expect(FPM.step(FPM.payload([("wall_time", .float(0.5)), ("scheduled_requests", .map(FPM.scheduled(prefillRequests: 1, prefillTokens: 10)))]))
            == .step(.init(batchSize: 1, tokens: 10, latencyMs: 500, prefillTokens: 10, decodeTokens: 0,
                           prefillRequests: 1, decodeRequests: 0, kvContextTokens: 0, prefillAttentionTokens: 100)))
    }

    @Test func missingAndBadValuesAreDroppedByReason() {
        let s = FPM.scheduled(decodeRequests: 1)
        #expect(FPM.drop(FPM.payload([("scheduled_requests", .map(s))])) == .missingField)
        #expect(FPM.drop(FPM.payload([("wall_time", .double(0.01))])) == .missingField)
        #expect(FPM.drop(FPM.payload(FPM.fields(wallTime: .double(.nan), scheduled: s))) == .nonFinite)
        #expect(FPM.drop(FPM.payload(FPM.fields(wallTime: .double(.infinity), scheduled: s))) == .nonFinite)
        #expect(FPM.drop(FPM.payload(FPM.fields(wallTime: .double(-0.01), scheduled: s))) == .nonPositive)
        #expect(FPM.drop(FPM.payload(FPM.fields(wallTime: .double(0), scheduled: s))) == .nonPositive)
        #expect(FPM.drop(FPM.payload(FPM.fields(wallTime: .double(0.01), scheduled: FPM.scheduled(decodeRequests: -1)))) == .nonPositive)
        #expect(FPM.drop(FPM.payload(FPM.fields(wallTime: .double(0.01), scheduled: FPM.scheduled(prefillRequests: 1)))) == .nonPositive)
        #expect(FPM.drop(FPM.payload(FPM.fields(wallTime: .double(0.01), scheduled: FPM.scheduled(decodeRequests: 2_000_000)))) == .absurd)
        #expect(FPM.drop(FPM.payload(FPM.fields(wallTime: .double(1e5), scheduled: s))) == .absurd)
        #expect(FPM.drop(FPM.payload(FPM.fields(wallTime: .double(0.01), scheduled: FPM.scheduled(decodeRequests: 1, decodeKV: Int64.max)))) == .absurd)
        #expect(FPM.drop(FPM.payload(FPM.fields(worker: .str(String(repeating: "w", count: 300)), wallTime: .double(0.01), scheduled: s))) == .absurd)
        #expect(FPM.drop(FPM.payload(FPM.fields(worker: .raw([0x77, 0xff]), wallTime: .double(0.01), scheduled: s))) == .malformed)
        // NaN variances are not used and do not spoil the step.
        var nanVariance = s
        nanVariance[2] = ("var_prefill_length", .double(.nan))
        #expect(FPM.step(FPM.payload(FPM.fields(wallTime: .double(0.01), scheduled: nanVariance))) != nil)
    }

    @Test func wrongTypesAreMalformed() {
        let s = FPM.scheduled(decodeRequests: 1)
        let cases: [[(String, Pack)]] = [
            FPM.fields(wallTime: .str("0.01"), scheduled: s),
            FPM.fields(wallTime: .nil, scheduled: s),
            FPM.fields(worker: .int(3), wallTime: .double(0.01), scheduled: s),
            [("wall_time", .double(0.01)), ("scheduled_requests", .array([.int(1)]))],
            FPM.fields(wallTime: .double(0.01), scheduled: [("num_decode_requests", .double(1))]),
            FPM.fields(wallTime: .double(0.01), scheduled: [("num_decode_requests", .uint(UInt64(Int64.max) + 1))]),
            FPM.fields(wallTime: .double(0.01), scheduled: [("num_decode_requests", .bool(true))]),
        ]
        for fields in cases { #expect(FPM.drop(FPM.payload(fields)) == .malformed) }
        // Not a map at all, a map with a non-string key, trailing bytes.
        #expect(FPM.drop(Pack.array([.int(1)]).bytes) == .malformed)
        #expect(FPM.drop([0x81, 0x01, 0x01]) == .malformed)
        #expect(FPM.drop(Self.msgspecStep + [0x00]) == .malformed)
        #expect(FPM.drop([]) == .malformed)
    }

    @Test func everyTruncationIsMalformed() {
        for p in [Self.msgspecStep, Self.msgspecHeartbeat] {
            for n in 0..<p.count { #expect(FPM.drop(Array(p[..<n])) == .malformed, "prefix of \(n) bytes") }
        }
    }

    @Test func hugeLengthsFailWithoutReadingPastTheBuffer() {
        let huge: [[UInt8]] = [
            [0xdf, 0xff, 0xff, 0xff, 0xff],  // map32 of 4 G pairs
            [0xde, 0xff, 0xff, 0xa1, 0x61, 0x01],  // map16 of 65535 pairs, one present
            [0x81, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x61],  // a str32 key of 4 GiB
            [0x81, 0xa1, 0x78, 0xdd, 0xff, 0xff, 0xff, 0xff, 0x00],  // an unknown key's array32 of 4 G items
            [0x81, 0xa1, 0x78, 0xc6, 0xff, 0xff, 0xff, 0xff],  // bin32 of 4 GiB
            [0x81, 0xa1, 0x78, 0xc9, 0xff, 0xff, 0xff, 0xff, 0x01],  // ext32 of 4 GiB
            [0x81, 0xa9] + Array("worker_id".utf8) + [0xdb, 0x7f, 0xff, 0xff, 0xff],  // worker_id of 2 GiB
            [0x81, 0xa1, 0x78, 0xc1],  // the never-used byte
        ]
        for p in huge { #expect(FPM.drop(p) == .malformed, "\(p)") }
    }

    @Test func nestingUnderUnknownKeysIsBounded() {
        func nested(_ depth: Int) -> [UInt8] {
            var value: Pack = .int(0)
            for _ in 0..<depth { value = .array([value]) }
            return FPM.payload(FPM.fields(wallTime: .double(0.01), scheduled: FPM.scheduled(decodeRequests: 1)) + [("extra", value)])
        }
        #expect(FPM.step(nested(MessagePackReader.maximumDepth)) != nil)
        #expect(FPM.drop(nested(MessagePackReader.maximumDepth + 1)) == .malformed)
        // 100,000 nested array headers: rejected at the depth limit, not by exhausting the stack.
        let deep: [UInt8] = [0x81, 0xa1, 0x78] + [UInt8](repeating: 0x91, count: 100_000) + [0x00]
        #expect(FPM.drop(deep) == .malformed)
    }

    @Test func garbageAndMutationsNeverTrap() {
        var rng = SplitMix64(seed: 9)
        var decoded = 0
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 64)
            let garbage = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if case .success = FPM.decode(garbage) { decoded += 1 }
        }
        #expect(decoded < 20)  // random bytes are almost never an FPM map
        // Every single-byte change of a valid payload is dropped or decodes to a step within the limits.
        var p = Self.msgspecStep
        var dropped = 0
        for i in p.indices {
            let original = p[i]
            for delta: UInt8 in [1, 0x80, 0xff] {
                p[i] = original &+ delta
                switch FPM.decode(p) {
                case .success(let d):
                    if case .step(let s) = d.step {
                        #expect(s.batchSize > 0 && Double(s.batchSize) <= WireLimits.maximumBatchSize)
                        #expect(s.latencyMs > 0 && s.latencyMs <= WireLimits.maximumLatencyMs)
                    }
                case .failure: dropped += 1
                }
            }
            p[i] = original
        }
        #expect(dropped > 0)
    }

    @Test func readerReadsEveryIntegerAndFloatFormat() throws {
        let values: [Pack] = [.int(0), .int(127), .int(-1), .int(-32), .int(-33), .int(-200), .int(-40_000),
                              .int(-3_000_000_000), .uint(200), .uint(60_000), .uint(4_000_000_000),
                              .uint(UInt64(Int64.max))]
        let expected: [Int64] = [0, 127, -1, -32, -33, -200, -40_000, -3_000_000_000, 200, 60_000, 4_000_000_000, .max]
        let bytes = Pack.array(values).bytes
        try bytes.withUnsafeBytes { (p: UnsafeRawBufferPointer) throws in
            var r = MessagePackReader(p)
            try r.skip()  // the whole array at once
            #expect(r.isAtEnd)
            r = MessagePackReader(UnsafeRawBufferPointer(rebasing: p[1...]))
            for e in expected { #expect(try r.readInteger() == e) }
            #expect(r.isAtEnd)
        }
        try Pack.array([.double(-2.5), .float(0.25), .int(-7), .uint(.max)]).bytes.withUnsafeBytes {
            (p: UnsafeRawBufferPointer) throws in
            var r = MessagePackReader(UnsafeRawBufferPointer(rebasing: p[1...]))
            #expect(try r.readDouble() == -2.5)
            #expect(try r.readDouble() == 0.25)
            #expect(try r.readDouble() == -7)
            #expect(try r.readDouble() == Double(UInt64.max))
        }
        let tooLarge: [UInt8] = [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        tooLarge.withUnsafeBytes { p in
            var r = MessagePackReader(p)
            #expect(throws: MessagePackReader.Failure.outOfRange) { try r.readInteger() }
        }
        // Fixext and ext values are skipped by their sizes.
        let exts: [UInt8] = [0x95, 0xd4, 1, 0, 0xd5, 1, 0, 0, 0xd8, 1] + [UInt8](repeating: 0, count: 16)
            + [0xc7, 2, 1, 0, 0, 0xc4, 1, 9]
        exts.withUnsafeBytes { p in
            var r = MessagePackReader(p)
            #expect(throws: Never.self) { try r.skip() }
            #expect(r.isAtEnd)
        }
    }
}
