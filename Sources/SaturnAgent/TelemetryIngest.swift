import SaturnModel
import SaturnWire
import Synchronization

/// The telemetry path from received bytes to recorded observations, without sockets: frame layout, decoding
/// through ``TelemetryDecoder`` (the one seam for telemetry formats), per-worker rate limits and duplicate checks,
/// key lookup, and batched recording under one lock per key. Owned by the socket thread; tests drive it directly.
///
/// Use: ``begin(now:)``, then ``ingest(_:frameCount:frame:)`` per message, then ``finish()`` per batch.
struct TelemetryIngest {
    /// Per-worker admission state.
    struct Worker {
        var bucket: TokenBucket
        var lastSequence: UInt64?
    }

    /// A key and the steps of the current batch for it.
    struct KeySlot {
        var key: ModelKey
        var pending: [(Double, Double, Double)] = []
    }

    let state: AgentState
    private var workers: ByteKeyedTable<Worker>
    private var keys: ByteKeyedTable<KeySlot>
    /// Key slots with pending steps in this batch.
    private var touched: [Int] = []
    /// Drops of this batch, by ``DropReason/index``.
    private var drops = [UInt64](repeating: 0, count: DropReason.allCases.count)
    /// The clock read once per batch (token buckets refill per batch).
    private var now = ContinuousClock.now

    init(state: AgentState) {
        self.state = state
        workers = ByteKeyedTable(capacity: state.configuration.maximumWorkers)
        keys = ByteKeyedTable(capacity: state.configuration.maximumKeys)
    }

    /// Starts a batch at `now`.
    mutating func begin(now: ContinuousClock.Instant) {
        self.now = now
    }

    /// Handles one received message of `frameCount` frames whose bytes are `bytes` (frame `i` at `frame(i)`):
    /// `[topic "step", payload]` or `[payload]`.
    mutating func ingest(_ bytes: UnsafeRawBufferPointer, frameCount: Int, frame: (Int) -> Range<Int>) {
        let payloadRange: Range<Int>
        if frameCount == 2 && Self.isStepTopic(bytes, frame(0)) {
            payloadRange = frame(1)
        } else if frameCount == 1 {
            payloadRange = frame(0)
        } else {
            return count(.unknownTopic)
        }
        guard payloadRange.count <= state.configuration.maximumMessageBytes else { return count(.oversized) }
        let p = UnsafeRawBufferPointer(rebasing: bytes[payloadRange])
        let m: RawStep
        switch TelemetryDecoder.decode(p) {
        case .success(let step): m = step
        case .failure(let reason): return count(reason)
        }
        guard let w = worker(p, m.workerID), admit(worker: w, sequence: m.sequence),
            let k = keySlot(p, m.model, m.hardware)
        else { return }
        if keys[k].pending.isEmpty { touched.append(k) }
        keys[k].pending.append((Double(m.batchSize), Double(m.tokens), m.latencyMs))
    }

    /// Records the batch (one lock per key) and publishes its counters (one lock per batch).
    /// - Returns: true when a key became due for a fit.
    mutating func finish() -> Bool {
        var fitDue = false
        var recorded: UInt64 = 0
        for k in touched {
            switch state.record(keys[k].pending, for: keys[k].key) {
            case .recorded(let due):
                recorded += UInt64(keys[k].pending.count)
                fitDue = fitDue || due
            case .keyTableFull:
                drops[DropReason.tooManyKeys.index] += UInt64(keys[k].pending.count)
            }
            keys[k].pending.removeAll(keepingCapacity: true)
        }
        touched.removeAll(keepingCapacity: true)
        if recorded > 0 || drops.contains(where: { $0 > 0 }) {
            let batch = drops
            state.counters.withLock { c in
                c.telemetryAccepted += recorded
                for reason in DropReason.allCases where batch[reason.index] > 0 {
                    c.count(reason, on: .telemetry, times: batch[reason.index])
                }
            }
            for i in drops.indices { drops[i] = 0 }
        }
        return fitDue
    }

    private mutating func count(_ reason: DropReason) { drops[reason.index] += 1 }

    private static func isStepTopic(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Bool {
        guard r.count == Topic.step.count else { return false }
        for (i, b) in Topic.step.enumerated() where p[r.lowerBound + i] != b { return false }
        return true
    }

    /// The worker slot for the id at `r`, created on first sight (nil, counted, when invalid or too many).
    private mutating func worker(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        if let i = workers.find(p, r) { return i }
        guard TelemetryDecoder.string(p, r) != nil else {
            count(.malformed)
            return nil
        }
        let c = state.configuration
        guard let i = workers.insert(p, r, value: Worker(bucket: TokenBucket(burst: c.workerBurst, now: now))) else {
            count(.tooManyWorkers)
            return nil
        }
        return i
    }

    /// Token bucket and duplicate check for one message of worker `i`.
    private mutating func admit(worker i: Int, sequence: UInt64) -> Bool {
        let c = state.configuration
        guard workers[i].bucket.take(now: now, rate: c.workerRateLimit, burst: c.workerBurst) else {
            count(.rateLimited)
            return false
        }
        if let last = workers[i].lastSequence, sequence == last, sequence != 0 {
            count(.duplicate)
            return false
        }
        workers[i].lastSequence = sequence
        return true
    }

    /// The key slot for `(model, hardware)`, created on first sight.
    private mutating func keySlot(_ p: UnsafeRawBufferPointer, _ model: Range<Int>, _ hardware: Range<Int>) -> Int? {
        if let i = keys.find(p, model, hardware) { return i }
        guard let m = TelemetryDecoder.string(p, model), let hw = TelemetryDecoder.string(p, hardware) else {
            count(.malformed)
            return nil
        }
        guard let i = keys.insert(p, model, hardware, value: KeySlot(key: ModelKey(model: m, hardware: hw))) else {
            count(.tooManyKeys)
            return nil
        }
        return i
    }
}
