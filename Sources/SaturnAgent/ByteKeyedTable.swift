/// A bounded table of values found by the raw bytes of a name pair (a worker id and nothing, or a model and a
/// hardware name) inside a received message, so that the ingest hot path never builds a `String` or allocates
/// for a name it has seen.
///
/// Lookups try the previous hit first (steps often come in runs from one worker and key), then an open-addressing
/// index (linear probing, at most half full) over a hash of the bytes seeded per table, so that names cannot be
/// crafted to collide. Entries are never removed; names are kept back to back in one byte array.
struct ByteKeyedTable<Value> {
    /// Per slot: entry number + 1, or 0 when empty. The count is a power of two.
    private var slots: [Int32]
    /// Per entry: its hash, where its names start in ``names``, and their lengths.
    private var entries: [(hash: Int, start: Int, first: Int, second: Int)] = []
    private var names: [UInt8] = []
    private var values: [Value] = []
    private var last = 0
    private let seed = UInt64.random(in: .min ... .max)
    /// Largest number of entries.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        slots = [Int32](repeating: 0, count: 64)
    }

    var count: Int { values.count }

    /// The entry's value.
    subscript(i: Int) -> Value {
        get { values[i] }
        _modify { yield &values[i] }
    }

    /// The entry for the names at `first` and `second` of `p`, or nil when there is none.
    mutating func find(_ p: UnsafeRawBufferPointer, _ first: Range<Int>, _ second: Range<Int> = 0..<0) -> Int? {
        if last < entries.count, matches(last, p, first, second) { return last }
        let h = Self.hash(p, first, second, seed: seed)
        let mask = slots.count - 1
        var s = h & mask
        while true {
            let e = Int(slots[s])
            if e == 0 { return nil }
            if entries[e - 1].hash == h, matches(e - 1, p, first, second) {
                last = e - 1
                return last
            }
            s = (s + 1) & mask
        }
    }

    /// Adds an entry for names not in the table (``find(_:_:_:)`` returned nil); nil when the table is full.
    mutating func insert(_ p: UnsafeRawBufferPointer, _ first: Range<Int>, _ second: Range<Int> = 0..<0, value: Value)
        -> Int?
    {
        guard values.count < capacity else { return nil }
        let h = Self.hash(p, first, second, seed: seed)
        entries.append((h, names.count, first.count, second.count))
        names.append(contentsOf: p[first])
        names.append(contentsOf: p[second])
        values.append(value)
        last = values.count - 1
        if entries.count * 2 > slots.count {
            grow()
        } else {
            place(last)
        }
        return last
    }

    private mutating func place(_ i: Int) {
        let mask = slots.count - 1
        var s = entries[i].hash & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = Int32(i + 1)
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        for i in entries.indices { place(i) }
    }

    private func matches(_ i: Int, _ p: UnsafeRawBufferPointer, _ first: Range<Int>, _ second: Range<Int>) -> Bool {
        let e = entries[i]
        guard e.first == first.count, e.second == second.count else { return false }
        return names.withUnsafeBytes { n in
            Self.equal(p, first, n, e.start) && Self.equal(p, second, n, e.start + e.first)
        }
    }

    /// True when `p[r]` equals the `r.count` bytes of `n` at `start` (8 bytes at a time: names are short, and a
    /// `memcmp` call costs more than comparing them here).
    @inline(__always)
    private static func equal(_ p: UnsafeRawBufferPointer, _ r: Range<Int>, _ n: UnsafeRawBufferPointer, _ start: Int)
        -> Bool
    {
        var i = 0
        let count = r.count
        while i + 8 <= count {
            guard p.loadUnaligned(fromByteOffset: r.lowerBound + i, as: UInt64.self)
                == n.loadUnaligned(fromByteOffset: start + i, as: UInt64.self)
            else { return false }
            i += 8
        }
        while i < count {
            guard p[r.lowerBound + i] == n[start + i] else { return false }
            i += 1
        }
        return true
    }

    /// A seeded hash of both ranges in the style of wyhash (64x64->128-bit multiply-fold per 8 bytes): ~10
    /// instructions per word where `Hasher` (SipHash) costs ~20 per byte here. The seed is random per table, so
    /// that names cannot be crafted offline to collide.
    private static func hash(_ p: UnsafeRawBufferPointer, _ a: Range<Int>, _ b: Range<Int>, seed: UInt64) -> Int {
        let h = mix(p, b, seed: mix(p, a, seed: seed))
        return Int(truncatingIfNeeded: fold(h, 0x8ebc_6af0_9c88_c6e3))
    }

    private static func mix(_ p: UnsafeRawBufferPointer, _ r: Range<Int>, seed: UInt64) -> UInt64 {
        var h = seed
        var i = r.lowerBound
        while i + 8 <= r.upperBound {
            let word = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = fold(h ^ 0xa076_1d64_78bd_642f, word ^ 0xe703_7ed1_a0b4_28db)
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < r.upperBound {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        return fold(h ^ 0xa076_1d64_78bd_642f, tail ^ UInt64(r.count) ^ 0xe703_7ed1_a0b4_28db)
    }

    /// The high and low halves of the 128-bit product, xored.
    @inline(__always)
    private static func fold(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let r = x.multipliedFullWidth(by: y)
        return r.high ^ r.low
    }
}
