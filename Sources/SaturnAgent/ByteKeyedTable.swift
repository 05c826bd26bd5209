import Foundation

/// A bounded table of values found by the raw bytes of a name pair (a worker id and nothing, or a model and a
/// hardware name) inside a received message, so that the ingest hot path never builds a `String` or allocates
/// for a name it has seen. Lookups try the previous hit first (steps come in runs from one worker and key),
/// then an FNV-1a hash of the bytes.
struct ByteKeyedTable<Value> {
    private var index: [UInt64: [Int]] = [:]
    private var names: [(first: [UInt8], second: [UInt8])] = []
    private var values: [Value] = []
    private var last = 0
    /// Largest number of entries.
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { values.count }

    /// The entry's value.
    subscript(i: Int) -> Value {
        get { values[i] }
        _modify { yield &values[i] }
    }

    /// The entry for the names at `first` and `second` of `p`, or nil when there is none.
    mutating func find(_ p: UnsafeRawBufferPointer, _ first: Range<Int>, _ second: Range<Int> = 0..<0) -> Int? {
        if last < names.count, Self.equal(p, first, names[last].first), Self.equal(p, second, names[last].second) {
            return last
        }
        guard let candidates = index[Self.hash(p, first, second)] else { return nil }
        for i in candidates where Self.equal(p, first, names[i].first) && Self.equal(p, second, names[i].second) {
            last = i
            return i
        }
        return nil
    }

    /// Adds an entry for names not in the table (``find(_:_:_:)`` returned nil); nil when the table is full.
    mutating func insert(_ p: UnsafeRawBufferPointer, _ first: Range<Int>, _ second: Range<Int> = 0..<0, value: Value)
        -> Int?
    {
        guard values.count < capacity else { return nil }
        names.append((Array(p[first]), Array(p[second])))
        values.append(value)
        index[Self.hash(p, first, second), default: []].append(values.count - 1)
        last = values.count - 1
        return last
    }

    /// FNV-1a over both ranges, with a separator between them.
    private static func hash(_ p: UnsafeRawBufferPointer, _ a: Range<Int>, _ b: Range<Int>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in a { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        h = (h ^ 0xff) &* 0x100_0000_01b3
        for i in b { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        return h
    }

    private static func equal(_ p: UnsafeRawBufferPointer, _ r: Range<Int>, _ bytes: [UInt8]) -> Bool {
        guard r.count == bytes.count else { return false }
        if r.isEmpty { return true }
        return bytes.withUnsafeBytes { memcmp(p.baseAddress! + r.lowerBound, $0.baseAddress!, r.count) == 0 }
    }
}
