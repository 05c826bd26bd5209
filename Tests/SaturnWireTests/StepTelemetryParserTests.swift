import SaturnModel
import SaturnNumerics
import SaturnWire
import SwiftProtobuf
import Testing

/// Runs ``TelemetryDifferential`` (the hand-written parser against SwiftProtobuf) on many inputs and tallies
/// agreement.
struct Differential {
    private(set) var accepted = 0
    private(set) var rejected = 0
    private(set) var disagreements = 0
    private(set) var examples: [String] = []

    var total: Int { accepted + rejected + disagreements }

    mutating func check(_ bytes: [UInt8], _ label: @autoclosure () -> String = "") {
        let outcome = TelemetryDifferential.compare(bytes)
        guard outcome.problems.isEmpty, let bothAccepted = outcome.bothAccepted else {
            disagreements += 1
            if examples.count < 12 {
                examples.append("\(label()) [\(WireBytes.hex(bytes))]: \(outcome.problems.joined(separator: "; "))")
            }
            return
        }
        if bothAccepted { accepted += 1 } else { rejected += 1 }
    }

    func expectAgreement(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            disagreements == 0, "\(disagreements) disagreements, e.g.\n\(examples.joined(separator: "\n"))",
            sourceLocation: sourceLocation)
    }
}

/// Random protobuf-shaped messages: known and unknown fields, right and wrong wire types, odd varint lengths,
/// groups (matched, mismatched, unclosed), good and bad UTF-8, then sometimes truncated or with a byte flipped.
struct FieldSoup {
    var rng: SplitMix64

    mutating func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }

    static let stringFields: Set<UInt64> = [2, 3, 4]
    static let validStrings = ["", "w", "worker-17", "llama-2-70b", "H100-80GB", "ü", "€uro", "𝄞", "\u{10FFFF}"]
    static let invalidUTF8: [[UInt8]] = [
        [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xE2, 0x82], [0x61, 0xF0, 0x9F, 0x98], [0xC3, 0x28],
    ]

    mutating func message() -> [UInt8] {
        var out = fields(depth: 0)
        if chance(8), !out.isEmpty { out.removeLast(1 + below(out.count)) }
        if chance(4), !out.isEmpty { out[below(out.count)] ^= UInt8(1 + below(255)) }
        return out
    }

    mutating func fields(depth: Int) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<below(depth == 0 ? 9 : 4) { out += field(depth: depth) }
        return out
    }

    mutating func fieldNumber() -> UInt64 {
        switch below(20) {
        case 0: return 0
        case 1: return 15 + UInt64(below(200))
        case 2: return (1 << 29) - 1
        case 3: return UInt64(below(1 << 20)) + 1
        default: return 1 + UInt64(below(14))
        }
    }

    static func wireType(of field: UInt64) -> UInt8 {
        switch field {
        case 2, 3, 4: WireBytes.lengthDelimited
        case 7: WireBytes.fixed64
        case 1...14: WireBytes.varint
        default: [WireBytes.varint, WireBytes.fixed64, WireBytes.lengthDelimited, WireBytes.fixed32][Int(field % 4)]
        }
    }

    mutating func varintBody() -> [UInt8] {
        let value = [0, 1, 127, 128, 300, UInt64(UInt32.max), UInt64(UInt32.max) + 1, UInt64.max, rng.next(),
                     rng.next() >> UInt64(below(64))][below(10)]
        switch below(10) {
        case 0: return WireBytes.paddedVarint(value, length: min(10, WireBytes.varint(value).count + 1 + below(3)))
        case 1:  // ten bytes, with a tenth byte of any value (high bits, continuation)
            return [UInt8](repeating: 0xFF, count: 9) + [UInt8(truncatingIfNeeded: rng.next())]
        case 2: return [UInt8](repeating: 0x80, count: 10 + below(2)) + [0x00]
        default: return WireBytes.varint(value)
        }
    }

    mutating func stringBody() -> [UInt8] {
        switch below(10) {
        case 0, 1: return Self.invalidUTF8[below(Self.invalidUTF8.count)]
        case 2:
            let prefix = Array(Self.validStrings[below(Self.validStrings.count)].utf8)
            return prefix + Self.invalidUTF8[below(Self.invalidUTF8.count)]
        case 3: return bytes(below(6))
        default: return Array(Self.validStrings[below(Self.validStrings.count)].utf8)
        }
    }

    mutating func field(depth: Int) -> [UInt8] {
        let number = fieldNumber()
        let wire: UInt8 = chance(80) ? Self.wireType(of: number) : chance(20) ? WireBytes.startGroup : UInt8(below(8))
        let minimal = WireBytes.tag(number, 0).count
        let tag =
            chance(10) ? WireBytes.tag(number, wire, length: min(11, minimal + below(7))) : WireBytes.tag(number, wire)
        switch wire {
        case WireBytes.varint:
            return tag + varintBody()
        case WireBytes.fixed64:
            let doubles: [Double] = [20, 0.5, -1, 0, .nan, .infinity, 1e300]
            if chance(50) { return tag + bytes(8) }
            return tag + Array(WireBytes.fixed64Field(1, doubles[below(doubles.count)].bitPattern).dropFirst())
        case WireBytes.lengthDelimited:
            let body = Self.stringFields.contains(number) || chance(30) ? stringBody() : bytes(below(12))
            let length = chance(5) ? UInt64(max(0, body.count + below(3) - 1)) : UInt64(body.count)
            return tag + WireBytes.varint(length) + body
        case WireBytes.startGroup:
            guard depth < 3 else { return tag }
            let body = fields(depth: depth + 1)
            switch below(20) {
            case 0: return tag + body  // never closed
            case 1: return tag + body + WireBytes.tag(number + 1, WireBytes.endGroup)  // closed by another number
            default: return tag + body + WireBytes.tag(number, WireBytes.endGroup)
            }
        case WireBytes.fixed32:
            return tag + bytes(4)
        default:
            return tag  // end group, or wire types 6 and 7
        }
    }
}

/// The hand-written telemetry parser (the ingest hot path) against SwiftProtobuf on the same bytes.
struct StepTelemetryParserTests {
    static func valid(_ configure: (inout Saturn_V1_StepTelemetry) -> Void = { _ in }) throws -> [UInt8] {
        var m = Saturn_V1_StepTelemetry()
        m.protocolVersion = 1
        m.workerID = "w"
        m.model = "m"
        m.hardware = "h"
        m.batchSize = 4
        m.tokens = 64
        m.latencyMs = 20
        configure(&m)
        return try m.serializedBytes()
    }

    @Test func randomBytes() {
        var rng = SplitMix64(seed: 2025)
        var d = Differential()
        for i in 0..<100_000 {
            let n = Int(rng.next() % 48)
            d.check((0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, "random #\(i)")
        }
        d.expectAgreement()
        #expect(d.total == 100_000)
        #expect(d.accepted > 0 && d.rejected > 0, "accepted \(d.accepted), rejected \(d.rejected)")
    }

    @Test func randomFieldSoup() {
        var soup = FieldSoup(rng: SplitMix64(seed: 77))
        var d = Differential()
        for i in 0..<100_000 { d.check(soup.message(), "soup #\(i)") }
        d.expectAgreement()
        #expect(d.total == 100_000)
        // Both outcomes are common, so neither side can pass by always answering the same.
        #expect(d.accepted > 10_000 && d.rejected > 10_000, "accepted \(d.accepted), rejected \(d.rejected)")
    }

    /// Valid messages with their fields shuffled and some repeated with other values (proto3: last one wins;
    /// StepTelemetry has no message fields, so there is no merge case).
    @Test func reorderedAndDuplicatedFields() {
        var rng = SplitMix64(seed: 2024)
        var d = Differential()
        for i in 0..<2_000 {
            func value() -> UInt64 { [0, 1, 5, 1000, rng.next(), rng.next() % 100_000][Int(rng.next() % 6)] }
            var fields: [[UInt8]] = []
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                for number in [1, 5, 6, 8, 9, 10, 11, 12, 13, 14] as [UInt64] where rng.next() % 3 != 0 {
                    fields.append(WireBytes.varintField(number, value()))
                }
                for number in [2, 3, 4] as [UInt64] where rng.next() % 3 != 0 {
                    let s = FieldSoup.validStrings[Int(rng.next() % UInt64(FieldSoup.validStrings.count))]
                    fields.append(WireBytes.stringField(number, s + "\(rng.next() % 10)"))
                }
                if rng.next() % 3 != 0 {
                    fields.append(WireBytes.fixed64Field(7, (Double(rng.next() % 100_000) / 7).bitPattern))
                }
            }
            fields.shuffle(using: &rng)
            d.check(fields.flatMap { $0 }, "reordered #\(i)")
        }
        d.expectAgreement()
        #expect(d.accepted == 2_000 && d.rejected == 0)
    }

    @Test func lastOccurrenceWins() throws {
        let bytes =
            WireBytes.varintField(6, 10) + WireBytes.stringField(2, "first") + WireBytes.varintField(6, 64)
            + WireBytes.stringField(2, "second") + WireBytes.varintField(10, 3) + WireBytes.varintField(10, 0)
        let m = try #require(bytes.withUnsafeBytes { StepTelemetryParser.parse($0) })
        #expect(m.tokens == 64 && m.prefillTokens == 0)
        #expect(bytes.withUnsafeBytes { TelemetryDecoder.string($0, m.workerID) } == "second")
    }

    /// Every known field with every wire type, before and after a correct copy: a wrong wire type makes it an
    /// unknown field (skipped, value kept); an end-group tag outside a group and wire types 6, 7 are errors.
    @Test func wrongWireTypesOfKnownFields() throws {
        let base = try Self.valid { $0.sequence = 9; $0.prefillTokens = 1 }
        var d = Differential()
        for field in 1...14 as ClosedRange<UInt64> {
            for wire in 0...7 as ClosedRange<UInt8> {
                let body: [UInt8] =
                    switch wire {
                    case WireBytes.varint: WireBytes.varint(7)
                    case WireBytes.fixed64: [0, 0, 0, 0, 0, 0, 0x34, 0x40]
                    case WireBytes.lengthDelimited: [2, 0x68, 0x69]
                    case WireBytes.startGroup: WireBytes.varintField(1, 5) + WireBytes.tag(field, WireBytes.endGroup)
                    case WireBytes.fixed32: [1, 2, 3, 4]
                    default: []
                    }
                let odd = WireBytes.tag(field, wire) + body
                d.check(odd + base, "field \(field) wire \(wire) first")
                d.check(base + odd, "field \(field) wire \(wire) last")
            }
        }
        d.expectAgreement()
        // Accepted: wire types 0, 1, 2, 3 and 5 (the right one or a skipped wrong one); rejected: 4, 6, 7.
        #expect(d.accepted == 14 * 5 * 2 && d.rejected == 14 * 3 * 2, "accepted \(d.accepted), rejected \(d.rejected)")
    }

    /// Unknown fields of every wire type and of small and large field numbers, groups nested up to and beyond
    /// SwiftProtobuf's depth limit, end-group tags that do not match.
    @Test func unknownFieldsOfEveryWireType() throws {
        let base = try Self.valid()
        var d = Differential()
        var expectedAccepted = 0
        var expectedRejected = 0
        func check(_ bytes: [UInt8], accepted: Bool, _ label: String) {
            d.check(bytes, label)
            if accepted { expectedAccepted += 1 } else { expectedRejected += 1 }
        }
        let numbers: [UInt64] = [15, 16, 100, 2047, 2048, 262_143, 262_144, (1 << 29) - 1]
        for number in numbers {
            let unknown: [(String, [UInt8])] = [
                ("varint", WireBytes.varintField(number, 300)),
                ("fixed64", WireBytes.fixed64Field(number, 0x0102_0304_0506_0708)),
                ("bytes", WireBytes.bytesField(number, [0xFF, 0xFE, 0x00])),  // not UTF-8: unknown, not checked
                ("fixed32", WireBytes.fixed32Field(number, 0xDEAD_BEEF)),
                ("empty group", WireBytes.group(number, [])),
                ("group", WireBytes.group(number, WireBytes.varintField(2, 1) + WireBytes.bytesField(2, [0xFF]))),
            ]
            for (name, bytes) in unknown {
                check(bytes + base, accepted: true, "\(name) \(number) first")
                check(base + bytes + base, accepted: true, "\(name) \(number) middle")
                check(base + bytes, accepted: true, "\(name) \(number) last")
            }
            check(base + WireBytes.tag(number, WireBytes.endGroup), accepted: false, "bare end group \(number)")
            check(base + WireBytes.tag(number, WireBytes.startGroup), accepted: false, "unclosed group \(number)")
            check(
                base + WireBytes.tag(number, WireBytes.startGroup) + WireBytes.tag(number + 1, WireBytes.endGroup),
                accepted: false, "group \(number) closed by \(number + 1)")
            check(base + WireBytes.tag(number, 6) + [0], accepted: false, "wire type 6, field \(number)")
            check(base + WireBytes.tag(number, 7) + [0], accepted: false, "wire type 7, field \(number)")
        }
        // Nesting: SwiftProtobuf's message depth limit is 100, the message itself counting one.
        for depth in [1, 2, 50, 98, 99] {
            check(base + WireBytes.nestedGroups(20, depth: depth), accepted: true, "groups nested \(depth)")
        }
        for depth in [100, 101, 150] {
            check(base + WireBytes.nestedGroups(20, depth: depth), accepted: false, "groups nested \(depth)")
        }
        // Inner groups with other numbers, an inner group left open, an inner end tag closing the outer group.
        let inner = WireBytes.group(21, WireBytes.group(22, []) + WireBytes.fixed32Field(3, 1))
        check(base + WireBytes.group(20, inner), accepted: true, "mixed nested groups")
        check(base + WireBytes.group(20, WireBytes.tag(21, WireBytes.startGroup)), accepted: false, "inner group open")
        // The group ends at the first matching end tag, so a second one is a stray end group at the top level.
        check(base + WireBytes.group(20, WireBytes.tag(20, WireBytes.endGroup)), accepted: false, "stray end group")
        // Field number 0 and wire types 6, 7 inside a group.
        check(base + WireBytes.group(20, [0x00]), accepted: false, "field 0 in a group")
        check(base + WireBytes.group(20, WireBytes.tag(5, 6)), accepted: false, "wire type 6 in a group")
        check(base + WireBytes.group(20, WireBytes.tag(5, 7)), accepted: false, "wire type 7 in a group")
        // A known field number used as a group at the top level is skipped like any unknown group.
        check(base + WireBytes.group(2, WireBytes.bytesField(2, [0xC0])), accepted: true, "field 2 as a group")
        check(base + WireBytes.group(7, []), accepted: true, "field 7 as a group")
        d.expectAgreement()
        #expect(d.accepted == expectedAccepted && d.rejected == expectedRejected,
                "accepted \(d.accepted)/\(expectedAccepted), rejected \(d.rejected)/\(expectedRejected)")
        #expect(d.total == 8 * (6 * 3 + 5) + 8 + 8)
    }

    /// Varints of 1 to 11 bytes in every position a varint appears: a value, a length, a tag at the top level
    /// and a tag inside a group, with every interesting tenth byte.
    @Test func longVarints() throws {
        let base = try Self.valid()
        var d = Differential()
        let tenthBytes: [UInt8] = [0x00, 0x01, 0x02, 0x40, 0x7E, 0x7F, 0x80, 0x81, 0xFF]
        var encodings: [[UInt8]] = []
        for length in 1...11 { encodings.append(WireBytes.paddedVarint(1, length: max(1, length))) }
        for tenth in tenthBytes {
            encodings.append([UInt8](repeating: 0xFF, count: 9) + [tenth])
            encodings.append([0x81] + [UInt8](repeating: 0x80, count: 8) + [tenth])
            encodings.append([UInt8](repeating: 0xFF, count: 9) + [tenth, 0x00])
        }
        for v in encodings {
            for field in [1, 5, 6, 8, 9, 10, 12, 14, 99] as [UInt64] {
                d.check(base + WireBytes.tag(field, WireBytes.varint) + v, "value of field \(field): \(v)")
            }
            // As a length: a huge or truncated length is rejected by both.
            d.check(base + WireBytes.tag(2, WireBytes.lengthDelimited) + v + [0x61], "string length \(v)")
            d.check(base + WireBytes.tag(99, WireBytes.lengthDelimited) + v + [0x61], "bytes length \(v)")
        }
        // Tags: padded to 1...11 bytes at the top level (SwiftProtobuf reads at most 5) and inside a group
        // (read as a general varint: up to 10).
        for field in [1, 2, 7, 15, 2048, (1 << 29) - 1] as [UInt64] {
            let minimal = WireBytes.tag(field, 0).count
            for length in minimal...11 {
                let wire = FieldSoup.wireType(of: field)
                let body: [UInt8] =
                    switch wire {
                    case WireBytes.lengthDelimited: [1, 0x61]
                    case WireBytes.fixed64: [0, 0, 0, 0, 0, 0, 0x34, 0x40]
                    case WireBytes.fixed32: [0, 0, 0, 0]
                    default: [5]
                    }
                d.check(base + WireBytes.tag(field, wire, length: length) + body, "top-level tag \(field)/\(length)")
                d.check(
                    base + WireBytes.tag(20, WireBytes.startGroup) + WireBytes.tag(field, wire, length: length) + body
                        + WireBytes.tag(20, WireBytes.endGroup), "group tag \(field)/\(length)")
                d.check(
                    base + WireBytes.tag(20, WireBytes.startGroup)
                        + WireBytes.tag(20, WireBytes.endGroup, length: max(2, length)),
                    "group end tag \(length)")
            }
            // Tags whose value is 2³² − 1 or more (five bytes, fifth byte above 0x0F).
            d.check(base + [0xF8, 0xFF, 0xFF, 0xFF, 0x1F, 0x00], "tag above 2^32 at the top level")
            d.check(base + WireBytes.group(20, [0xF8, 0xFF, 0xFF, 0xFF, 0x1F, 0x00]), "tag above 2^32 in a group")
        }
        d.expectAgreement()
        #expect(d.accepted > 0 && d.rejected > 0, "accepted \(d.accepted), rejected \(d.rejected)")
        // 38 encodings × 11 positions; tags of minimal length 1, 1, 1, 1, 3, 5 padded up to 11 bytes, 3 checks
        // each (60 × 3); 2 over-long tags per field.
        #expect(encodings.count == 38 && d.total == 38 * 11 + 60 * 3 + 6 * 2)
    }

    /// Every prefix of messages with every field kind, unknown fields and groups.
    @Test func truncations() throws {
        let full = try Self.valid {
            $0.timestampNs = -5
            $0.sequence = UInt64.max
            $0.prefillTokens = 300
            $0.decodeTokens = 0
            $0.prefillRequests = 2
            $0.decodeRequests = 1
            $0.kvContextTokens = 1 << 40
            $0.workerID = "worker-€"
        }
        let unknown =
            WireBytes.varintField(100, 1 << 50) + WireBytes.fixed64Field(101, 1) + WireBytes.bytesField(102, [1, 2])
            + WireBytes.fixed32Field(103, 7) + WireBytes.group(104, WireBytes.group(105, WireBytes.varintField(1, 1)))
        var d = Differential()
        var cases = 0
        for message in [full, full + unknown, unknown + full, WireBytes.paddedVarint(8, length: 5) + [1] + full] {
            for cut in 0...message.count {
                d.check(Array(message[..<cut]), "prefix \(cut) of \(message.count)")
                cases += 1
            }
        }
        d.expectAgreement()
        #expect(d.total == cases && cases == 4 * full.count + 2 * unknown.count + 10)
        #expect(d.accepted > 0 && d.rejected > 0, "accepted \(d.accepted), rejected \(d.rejected)")
    }

    /// Invalid UTF-8 in each string field, alone and in repeated copies (SwiftProtobuf checks every copy, so an
    /// invalid copy fails the message even when a later valid copy replaces it).
    @Test func invalidUTF8InStringFields() throws {
        let base = try Self.valid()
        var d = Differential()
        let good = FieldSoup.validStrings.map { Array($0.utf8) } + [[0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80]]
        for field in [2, 3, 4] as [UInt64] {
            for bad in FieldSoup.invalidUTF8 {
                let b = WireBytes.bytesField(field, bad)
                let g = WireBytes.bytesField(field, Array("ok".utf8))
                d.check(base + b, "field \(field) invalid")
                d.check(base + b + g, "field \(field) invalid then valid")
                d.check(base + g + b, "field \(field) valid then invalid")
                d.check(b + base, "field \(field) invalid, then base's valid copy")
                d.check(base + b + b, "field \(field) invalid twice")
            }
            for ok in good {
                let copy = WireBytes.bytesField(field, ok)
                d.check(base + copy + copy, "field \(field) valid twice")
            }
        }
        d.expectAgreement()
        #expect(d.rejected == 3 * FieldSoup.invalidUTF8.count * 5, "rejected \(d.rejected)")
        #expect(d.accepted == 3 * good.count, "accepted \(d.accepted)")
    }

    /// The parser's UTF-8 check against the standard library's.
    @Test func utf8ValidationMatchesTheStandardLibrary() {
        var rng = SplitMix64(seed: 8)
        var valid = 0
        var invalid = 0
        var mismatches: [[UInt8]] = []
        let lead: [UInt8] = [0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF,
                             0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        let continuation: [UInt8] = [0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0]
        for _ in 0..<100_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(rng.next() % 6) {
                if rng.next() % 3 == 0 { bytes += Array("abcdefghij".utf8.prefix(Int(rng.next() % 10))) }
                bytes.append(lead[Int(rng.next() % UInt64(lead.count))])
                for _ in 0..<Int(rng.next() % 4) {
                    bytes.append(continuation[Int(rng.next() % UInt64(continuation.count))])
                }
            }
            let mine = bytes.withUnsafeBytes { StepTelemetryParser.isValidUTF8($0) }
            let theirs = String(validating: bytes, as: UTF8.self) != nil
            if mine != theirs, mismatches.count < 10 { mismatches.append(bytes) }
            if theirs { valid += 1 } else { invalid += 1 }
        }
        #expect(mismatches.isEmpty, "\(mismatches.map(WireBytes.hex))")
        #expect(valid > 1_000 && invalid > 1_000, "valid \(valid), invalid \(invalid)")
    }
}
