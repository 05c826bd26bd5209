/// The order in which ``Admission`` and ``Allocation`` visit waiting requests: ascending priority, equal priorities
/// in their order in the list (stable), a NaN priority last.
enum PriorityOrder {
    /// The sort key of a candidate: its priority, NaN as +∞.
    @inline(__always)
    static func key(_ c: AdmissionCandidate) -> Double { c.priority.isNaN ? .infinity : c.priority }

    /// A key with the index it belongs to.
    struct Keyed {
        var key: Double
        var index: Int
    }

    /// Writes the indices `0..<waiting.count` into `buffer` (uninitialised, exactly that size) in visiting order.
    ///
    /// An already ordered list (all priorities equal: first come, first served) costs one pass. Otherwise a
    /// bottom-up merge sort on `(key, index)` pairs in a temporary buffer: `n log₂ n` comparisons, stable (a merge
    /// takes from the left run on equal keys), no heap allocation for the lists the wire allows.
    static func fill(_ buffer: UnsafeMutableBufferPointer<Int>, waiting: [AdmissionCandidate]) {
        let n = waiting.count
        precondition(buffer.count == n)
        var ordered = true
        waiting.withUnsafeBufferPointer { w in
            for i in 0..<n {
                buffer.initializeElement(at: i, to: i)
                if i > 0 && !(key(w[i - 1]) <= key(w[i])) { ordered = false }
            }
        }
        guard !ordered else { return }
        withUnsafeTemporaryAllocation(of: Keyed.self, capacity: 2 * n) { scratch in
            waiting.withUnsafeBufferPointer { w in
                for i in 0..<n { scratch.initializeElement(at: i, to: Keyed(key: key(w[i]), index: i)) }
            }
            for i in n..<(2 * n) { scratch.initializeElement(at: i, to: Keyed(key: 0, index: 0)) }
            var source = 0  // offset of the current runs
            var target = n
            var width = 1
            while width < n {
                var start = 0
                while start < n {
                    let middle = min(start + width, n)
                    let end = min(start + 2 * width, n)
                    var l = start
                    var r = middle
                    var k = start
                    while l < middle && r < end {
                        if scratch[source + l].key <= scratch[source + r].key {
                            scratch[target + k] = scratch[source + l]
                            l += 1
                        } else {
                            scratch[target + k] = scratch[source + r]
                            r += 1
                        }
                        k += 1
                    }
                    while l < middle {
                        scratch[target + k] = scratch[source + l]
                        l += 1
                        k += 1
                    }
                    while r < end {
                        scratch[target + k] = scratch[source + r]
                        r += 1
                        k += 1
                    }
                    start = end
                }
                swap(&source, &target)
                width *= 2
            }
            for i in 0..<n { buffer[i] = scratch[source + i].index }
            scratch.deinitialize()
        }
    }
}
