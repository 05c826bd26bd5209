/// Builds protobuf wire-format bytes by hand, including encodings a serializer never writes (non-minimal varints,
/// wrong wire types, groups, truncations), for the differential parser tests.
enum WireBytes {
    /// Wire types (protobuf encoding guide); 6 and 7 are invalid.
    static let varint: UInt8 = 0, fixed64: UInt8 = 1, lengthDelimited: UInt8 = 2, startGroup: UInt8 = 3,
        endGroup: UInt8 = 4, fixed32: UInt8 = 5

    /// The minimal varint encoding of `value`.
    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    /// `value` as a varint of exactly `length` bytes (zero-padded with continuation bytes when longer than the
    /// minimal form; `length` must be at least the minimal length).
    static func paddedVarint(_ value: UInt64, length: Int) -> [UInt8] {
        var out = varint(value)
        precondition(length >= out.count)
        guard length > out.count else { return out }
        out[out.count - 1] |= 0x80
        out += [UInt8](repeating: 0x80, count: length - out.count - 1) + [0x00]
        return out
    }

    static func tag(_ field: UInt64, _ wire: UInt8, length: Int? = nil) -> [UInt8] {
        let raw = field << 3 | UInt64(wire)
        return length.map { paddedVarint(raw, length: $0) } ?? varint(raw)
    }

    static func varintField(_ field: UInt64, _ value: UInt64) -> [UInt8] { tag(field, varint) + varint(value) }

    static func fixed64Field(_ field: UInt64, _ bits: UInt64) -> [UInt8] {
        tag(field, fixed64) + (0..<8).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
    }

    static func fixed32Field(_ field: UInt64, _ bits: UInt32) -> [UInt8] {
        tag(field, fixed32) + (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
    }

    static func bytesField(_ field: UInt64, _ body: [UInt8]) -> [UInt8] {
        tag(field, lengthDelimited) + varint(UInt64(body.count)) + body
    }

    static func stringField(_ field: UInt64, _ s: String) -> [UInt8] { bytesField(field, Array(s.utf8)) }

    /// A group `field` around `body` (closed by the matching end-group tag).
    static func group(_ field: UInt64, _ body: [UInt8]) -> [UInt8] {
        tag(field, startGroup) + body + tag(field, endGroup)
    }

    /// `depth` groups nested inside each other, the innermost holding one varint field.
    static func nestedGroups(_ field: UInt64, depth: Int) -> [UInt8] {
        var body = varintField(1, 1)
        for _ in 0..<depth { body = group(field, body) }
        return body
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.prefix(96).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
            + (bytes.count > 96 ? "…(\(bytes.count) bytes)" : "")
    }
}
