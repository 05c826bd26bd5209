/// A key's bounded window of observations, appended by the socket thread under ``AgentState/keys``, whose
/// newest rows the adaptation thread takes without copying them under that lock.
///
/// The rows live in fixed-size chunks that are written once, slot by slot, and never rewritten: a full chunk
/// stays as it is until it falls out of the window, and appends only fill slots past those already written.
/// ``snapshot(last:)`` therefore only copies the chunk references and the range (O(window / chunk size), a few
/// dozen bytes, under the lock); ``Snapshot/elements()`` copies the rows afterwards, off the lock, while the socket
/// thread keeps appending. The lock that guards the window orders the writes of the slots a snapshot covers before
/// its reads. Dropped chunks are freed when the last snapshot holding them is gone.
///
/// Before this type the adaptation thread copied 5,000 rows (160 KB then, 240 KB now with `K` and `Q`: an
/// allocation above glibc's mmap threshold) under the keys lock, and the socket thread waited for it before
/// recording the next telemetry batch, with the queries queued behind it; longer still when the copying thread, at a
/// lower priority, was preempted there.
struct ObservationWindow: Sendable {
    /// Rows per chunk.
    static let chunkSize = 512

    /// One chunk of rows: slots `0..<written` are final.
    final class Chunk: @unchecked Sendable {
        // @unchecked: a slot is written once, before the lock that publishes it is released, and read only by
        // snapshots taken after that (see the type's discussion).
        let slots: UnsafeMutableBufferPointer<Observation>

        init() { slots = .allocate(capacity: ObservationWindow.chunkSize) }
        deinit { slots.deallocate() }
    }

    /// The rows of a window at the time of ``ObservationWindow/snapshot(last:)``.
    struct Snapshot: Sendable {
        let chunks: [Chunk]
        /// Index of the first row in `chunks[0]`.
        let start: Int
        /// Rows.
        let count: Int

        /// The rows, oldest first.
        func elements() -> [Observation] {
            var out: [Observation] = []
            out.reserveCapacity(count)
            var index = start
            var remaining = count
            for chunk in chunks where remaining > 0 {
                let n = Swift.min(ObservationWindow.chunkSize - index, remaining)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: chunk.slots[index..<(index + n)]))
                remaining -= n
                index = 0
            }
            return out
        }
    }

    /// Most rows kept.
    let capacity: Int
    private var chunks: [Chunk] = []
    /// Index of the oldest kept row in `chunks[0]`.
    private var start = 0
    /// Rows kept.
    private(set) var count = 0

    /// - Precondition: `capacity > 0`.
    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Appends `row`, dropping the oldest when full.
    mutating func append(_ row: Observation) {
        let end = start + count
        let slot = end % Self.chunkSize
        if slot == 0 && end / Self.chunkSize == chunks.count { chunks.append(Chunk()) }
        chunks[chunks.count - 1].slots[slot] = row
        if count < capacity {
            count += 1
        } else {
            start += 1
            if start == Self.chunkSize {
                chunks.removeFirst()
                start = 0
            }
        }
    }

    /// The newest `n` rows (all when fewer), by reference: see ``Snapshot/elements()``.
    func snapshot(last n: Int) -> Snapshot {
        let k = Swift.min(Swift.max(n, 0), count)
        let first = start + count - k
        let firstChunk = first / Self.chunkSize
        let lastChunk = (start + count + Self.chunkSize - 1) / Self.chunkSize
        return Snapshot(
            chunks: k == 0 ? [] : Array(chunks[firstChunk..<lastChunk]), start: first % Self.chunkSize, count: k)
    }
}
