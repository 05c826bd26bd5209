/// The order in which ``Admission`` and ``Allocation`` visit waiting requests: ascending priority, equal priorities
/// in their order in the list (stable), a NaN priority last.
enum PriorityOrder {
    /// The sort key of a candidate: its priority, NaN as +∞.
    @inline(__always)
    static func key(_ c: AdmissionCandidate) -> Double { c.priority.isNaN ? .infinity : c.priority }

    /// Writes the indices `0..<waiting.count` into `buffer` (uninitialised, exactly that size) in visiting order.
    ///
    /// Already ordered lists (all priorities equal: first come, first served) cost one pass. Otherwise short lists
    /// are insertion-sorted on `(key, index)` in place (no allocation, no closure); long ones use the standard
    /// library's sort on the same total order.
    static func fill(_ buffer: UnsafeMutableBufferPointer<Int>, waiting: [AdmissionCandidate]) {
        let n = waiting.count
        precondition(buffer.count == n)
        waiting.withUnsafeBufferPointer { w in
            var ordered = true
            for i in 0..<n {
                buffer.initializeElement(at: i, to: i)
                if i > 0 && !(key(w[i - 1]) <= key(w[i])) { ordered = false }
            }
            guard !ordered else { return }
            if n <= 64 {
                // Insertion sort: indices with equal keys keep their relative order, so the result is stable.
                for i in 1..<n {
                    let moving = buffer[i]
                    let k = key(w[moving])
                    var j = i
                    while j > 0 && key(w[buffer[j - 1]]) > k {
                        buffer[j] = buffer[j - 1]
                        j -= 1
                    }
                    buffer[j] = moving
                }
            } else {
                var sortable = buffer
                sortable.sort { a, b in
                    let ka = key(w[a])
                    let kb = key(w[b])
                    return ka < kb || (ka == kb && a < b)
                }
            }
        }
    }
}
