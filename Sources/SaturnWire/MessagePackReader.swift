/// A bounds-checked reader of MessagePack (https://github.com/msgpack/msgpack/blob/master/spec.md) over bytes it
/// does not own: the subset a telemetry decoder needs (maps, strings, integers, floats) plus skipping any value.
///
/// Every read checks the remaining bytes first, so truncated input, lengths larger than the buffer (a `str32` or
/// `map32` header claiming 4 GiB), wrong types and the never-used byte `0xc1` are thrown as a ``Failure`` value;
/// nothing traps and nothing is allocated (strings are returned as byte ranges of the buffer). Skipping nests at
/// most ``maximumDepth`` maps or arrays deep, so hostile nesting cannot exhaust the stack.
///
/// ```swift
/// var r = MessagePackReader(bytes)
/// for _ in 0..<(try r.readMapHeader()) {
///     let key = try r.readString()                 // a range of `bytes`
///     if bytes[key].elementsEqual("version".utf8) { version = try r.readInteger() } else { try r.skip() }
/// }
/// ```
public struct MessagePackReader {
    /// Why a read failed. The reader's position is unspecified afterwards.
    public enum Failure: Error, Equatable, Sendable {
        /// The value runs past the end of the buffer (including a length larger than what is left).
        case truncated
        /// A value of another type than the one asked for.
        case wrongType
        /// An integer that does not fit in `Int64` (a `uint64` above `Int64.max`).
        case outOfRange
        /// The byte `0xc1`, which MessagePack never uses.
        case invalidFormat
        /// Maps and arrays nested deeper than ``MessagePackReader/maximumDepth`` inside a skipped value.
        case tooDeep
    }

    /// Deepest nesting of maps and arrays ``skip()`` follows.
    public static let maximumDepth = 32

    /// The bytes read.
    public let bytes: UnsafeRawBufferPointer
    /// Offset of the next value in ``bytes``.
    public private(set) var position: Int

    /// A reader at the start of `bytes` (which must stay valid while the reader is used).
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        position = 0
    }

    /// True when every byte has been read.
    public var isAtEnd: Bool { position >= bytes.count }

    private var remaining: Int { bytes.count - position }

    /// The format byte of the next value, not consumed.
    /// - Throws: `truncated` at the end of the buffer.
    public func peekFormat() throws(Failure) -> UInt8 {
        guard position < bytes.count else { throw .truncated }
        return bytes[position]
    }

    private mutating func byte() throws(Failure) -> UInt8 {
        guard position < bytes.count else { throw .truncated }
        defer { position += 1 }
        return bytes[position]
    }

    /// A big-endian unsigned integer of `width` bytes (1, 2, 4 or 8).
    private mutating func bigEndian(_ width: Int) throws(Failure) -> UInt64 {
        guard remaining >= width else { throw .truncated }
        var v: UInt64 = 0
        for k in 0..<width { v = v << 8 | UInt64(bytes[position + k]) }
        position += width
        return v
    }

    /// Moves past `n` bytes.
    private mutating func advance(_ n: UInt64) throws(Failure) {
        guard n <= UInt64(remaining) else { throw .truncated }
        position += Int(n)
    }

    /// Reads a map header.
    /// - Returns: the number of key-value pairs that follow (each at least two bytes, checked against what is
    ///   left, so a caller may loop over it without further length checks).
    /// - Throws: `wrongType` when the next value is not a map; `truncated`.
    public mutating func readMapHeader() throws(Failure) -> Int {
        let f = try peekFormat()
        let n: UInt64
        switch f {
        case 0x80...0x8f: position += 1; n = UInt64(f & 0x0f)
        case 0xde: position += 1; n = try bigEndian(2)
        case 0xdf: position += 1; n = try bigEndian(4)
        default: throw .wrongType
        }
        guard n <= UInt64(remaining) / 2 else { throw .truncated }
        return Int(n)
    }

    /// Reads a string.
    /// - Returns: the range of its bytes in ``bytes`` (not checked for UTF-8).
    /// - Throws: `wrongType` when the next value is not a string; `truncated`.
    public mutating func readString() throws(Failure) -> Range<Int> {
        let f = try peekFormat()
        let n: UInt64
        switch f {
        case 0xa0...0xbf: position += 1; n = UInt64(f & 0x1f)
        case 0xd9: position += 1; n = try bigEndian(1)
        case 0xda: position += 1; n = try bigEndian(2)
        case 0xdb: position += 1; n = try bigEndian(4)
        default: throw .wrongType
        }
        let start = position
        try advance(n)
        return start..<position
    }

    /// Reads an integer of any MessagePack integer format.
    /// - Throws: `wrongType` when the next value is not an integer (floats included); `outOfRange` for a
    ///   `uint64` above `Int64.max`; `truncated`.
    public mutating func readInteger() throws(Failure) -> Int64 {
        let f = try peekFormat()
        switch f {
        case 0x00...0x7f: position += 1; return Int64(f)
        case 0xe0...0xff: position += 1; return Int64(Int8(bitPattern: f))
        case 0xcc...0xcf:
            position += 1
            let v = try bigEndian(1 << Int(f - 0xcc))
            guard v <= UInt64(Int64.max) else { throw .outOfRange }
            return Int64(v)
        case 0xd0: position += 1; return Int64(Int8(truncatingIfNeeded: try bigEndian(1)))
        case 0xd1: position += 1; return Int64(Int16(truncatingIfNeeded: try bigEndian(2)))
        case 0xd2: position += 1; return Int64(Int32(truncatingIfNeeded: try bigEndian(4)))
        case 0xd3: position += 1; return Int64(bitPattern: try bigEndian(8))
        default: throw .wrongType
        }
    }

    /// Reads a number as a `Double`: a `float32` or `float64`, or an integer (converted, rounding to nearest,
    /// so that producers that write a whole float as an integer are read too).
    /// - Throws: `wrongType` when the next value is not a number; `truncated`.
    public mutating func readDouble() throws(Failure) -> Double {
        let f = try peekFormat()
        switch f {
        case 0xca: position += 1; return Double(Float(bitPattern: UInt32(truncatingIfNeeded: try bigEndian(4))))
        case 0xcb: position += 1; return Double(bitPattern: try bigEndian(8))
        case 0xcf:
            position += 1
            return Double(try bigEndian(8))  // a uint64 above Int64.max is still a number here
        default: return Double(try readInteger())
        }
    }

    /// Skips one value of any type, maps and arrays included (at most ``maximumDepth`` deep).
    /// - Throws: `invalidFormat` for `0xc1`; `tooDeep`; `truncated`.
    public mutating func skip() throws(Failure) {
        try skip(depth: 0)
    }

    private mutating func skip(depth: Int) throws(Failure) {
        let f = try byte()
        switch f {
        case 0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3:
            return  // fixints, nil, booleans: the format byte is the value
        case 0x80...0x8f: try skipElements(UInt64(f & 0x0f) * 2, depth: depth)
        case 0x90...0x9f: try skipElements(UInt64(f & 0x0f), depth: depth)
        case 0xa0...0xbf: try advance(UInt64(f & 0x1f))
        case 0xc1: throw .invalidFormat
        case 0xc4, 0xd9: try advance(try bigEndian(1))  // bin8, str8
        case 0xc5, 0xda: try advance(try bigEndian(2))  // bin16, str16
        case 0xc6, 0xdb: try advance(try bigEndian(4))  // bin32, str32
        case 0xc7: try advance(try bigEndian(1) + 1)  // ext8: length, type, data
        case 0xc8: try advance(try bigEndian(2) + 1)
        case 0xc9: try advance(try bigEndian(4) + 1)
        case 0xca: try advance(4)
        case 0xcb: try advance(8)
        case 0xcc, 0xd0: try advance(1)
        case 0xcd, 0xd1: try advance(2)
        case 0xce, 0xd2: try advance(4)
        case 0xcf, 0xd3: try advance(8)
        case 0xd4: try advance(2)  // fixext 1, 2, 4, 8, 16: type byte and data
        case 0xd5: try advance(3)
        case 0xd6: try advance(5)
        case 0xd7: try advance(9)
        case 0xd8: try advance(17)
        case 0xdc: try skipElements(try bigEndian(2), depth: depth)
        case 0xdd: try skipElements(try bigEndian(4), depth: depth)
        case 0xde: try skipElements(try bigEndian(2) * 2, depth: depth)
        case 0xdf: try skipElements(try bigEndian(4) * 2, depth: depth)
        default: throw .invalidFormat  // unreachable: every byte value is covered above
        }
    }

    /// Skips `count` values inside a map or array at `depth` (each value takes at least one byte, so a count
    /// larger than what is left fails at once, before any work).
    private mutating func skipElements(_ count: UInt64, depth: Int) throws(Failure) {
        guard depth < Self.maximumDepth else { throw .tooDeep }
        guard count <= UInt64(remaining) else { throw .truncated }
        for _ in 0..<count { try skip(depth: depth + 1) }
    }
}
