import SaturnModel
import SaturnWire
import Synchronization

/// The telemetry path from received bytes to recorded observations, without sockets: frame layout, decoding
/// through ``TelemetryDecoder`` (the one seam for telemetry formats), per-worker rate limits and duplicate checks,
/// key lookup, and batched recording under one lock per key. Owned by the socket thread; tests drive it directly.
///
/// Use: ``begin(now:)``, then ``ingest(frameCount:_:_:)`` per message, then ``finish()`` per batch. The
/// per-message path does no allocation once its tables have grown, takes no lock and reads the clock never (the
/// batch's time serves every message of it).
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
    // The configuration values the per-message path reads (copied once).
    private let maximumMessageBytes: Int
    private let workerRateLimit: Double
    private let workerBurst: Double
    private var workers: ByteKeyedTable<Worker>
    private var keys: ByteKeyedTable<KeySlot>
    /// Key slots with pending steps in this batch.
    private var touched: [Int] = []
    /// Drops of this batch, by ``DropReason/counterSlot``.
    private var drops = [UInt64](repeating: 0, count: DropReason.allCases.count)
    private var droppedInBatch = false
    /// The origin of the token buckets' nanoseconds.
    private let origin: ContinuousClock.Instant
    /// The batch's time in ns since `origin` (read once per batch: token buckets refill per batch).
    private var now: Int64 = 0

    init(state: AgentState) {
        self.state = state
        let c = state.configuration
        maximumMessageBytes = c.maximumMessageBytes
        workerRateLimit = c.workerRateLimit
        workerBurst = c.workerBurst
        workers = ByteKeyedTable(capacity: c.maximumWorkers)
        keys = ByteKeyedTable(capacity: c.maximumKeys)
        origin = .now
    }

    /// Starts a batch at `now`.
    mutating func begin(now: ContinuousClock.Instant) {
        let t = (now - origin).components
        self.now = t.seconds &* 1_000_000_000 &+ t.attoseconds / 1_000_000_000
    }

    /// Handles one received message of `frameCount` frames given its first two frames (empty when absent):
    /// `[topic "step", payload]` or `[payload]`.
    mutating func ingest(frameCount: Int, _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) {
        let p: UnsafeRawBufferPointer
        if frameCount == 2 && Self.isStepTopic(first) {
            p = second
        } else if frameCount == 1 {
            p = first
        } else {
            return count(.unknownTopic)
        }
        guard p.count <= maximumMessageBytes else { return count(.oversized) }
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
                drops[DropReason.tooManyKeys.counterSlot] += UInt64(keys[k].pending.count)
                droppedInBatch = true
            }
            keys[k].pending.removeAll(keepingCapacity: true)
        }
        touched.removeAll(keepingCapacity: true)
        if droppedInBatch {
            let batch = drops
            state.counters.withLock { c in
                c.telemetryAccepted += recorded
                for reason in DropReason.allCases where batch[reason.counterSlot] > 0 {
                    c.count(reason, on: .telemetry, times: batch[reason.counterSlot])
                }
            }
            for i in drops.indices { drops[i] = 0 }
            droppedInBatch = false
        } else if recorded > 0 {
            state.counters.withLock { $0.telemetryAccepted += recorded }
        }
        return fitDue
    }

    private mutating func count(_ reason: DropReason) {
        drops[reason.counterSlot] += 1
        droppedInBatch = true
    }

    /// `Topic.step` ("step") as one little-endian word.
    private static let stepTopicWord: UInt32? = Topic.step.count == 4
        ? Topic.step.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } : nil

    private static func isStepTopic(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard let word = stepTopicWord else { return frame.elementsEqual(Topic.step) }
        return frame.count == 4 && frame.loadUnaligned(as: UInt32.self) == word
    }

    /// The worker slot for the id at `r` (valid UTF-8: the parser checked), created on first sight (nil, counted,
    /// when the table is full).
    private mutating func worker(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        if let i = workers.find(p, r) { return i }
        guard let i = workers.insert(p, r, value: Worker(bucket: TokenBucket(burst: workerBurst, now: now))) else {
            count(.tooManyWorkers)
            return nil
        }
        return i
    }

    /// Token bucket and duplicate check for one message of worker `i`.
    private mutating func admit(worker i: Int, sequence: UInt64) -> Bool {
        guard workers[i].bucket.take(now: now, rate: workerRateLimit, burst: workerBurst) else {
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

extension DropReason {
    /// Position in ``DropReason/allCases``, by a switch (``DropReason/index`` is a dictionary lookup): the slot of
    /// the reason in the ingest's per-batch drop counters.
    var counterSlot: Int {
        switch self {
        case .malformed: 0
        case .unsupportedVersion: 1
        case .missingField: 2
        case .nonFinite: 3
        case .nonPositive: 4
        case .absurd: 5
        case .oversized: 6
        case .duplicate: 7
        case .rateLimited: 8
        case .unknownTopic: 9
        case .tooManyKeys: 10
        case .tooManyWorkers: 11
        case .invalidParameters: 12
        case .own: 13
        case .stale: 14
        }
    }
}
