import SaturnModel
import SaturnWire
import Locking

/// The telemetry path from received bytes to recorded observations, without sockets: frame layout, decoding
/// through ``TelemetryDecoder`` (the one seam for telemetry formats), per-worker rate limits and duplicate checks,
/// key lookup, and batched recording under one lock per key. Owned by the socket thread; tests drive it directly.
/// `StepTelemetry` messages enter through ``ingest(frameCount:_:_:)``, Forward Pass Metrics messages through
/// ``ingestForwardPass(publisher:frameCount:_:_:_:)`` (one token bucket, sequence and liveness record per
/// configured publisher, steps recorded under the publisher's configured key).
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
        var pending: [StepObservation] = []
    }

    /// One Forward Pass Metrics publisher: its statistics, admission state and key.
    struct ForwardPassPublisher {
        var statistics: ForwardPassSourceStatistics
        var bucket: TokenBucket
        /// The key's slot in ``TelemetryIngest/keys``, found on the first step.
        var keySlot: Int?
        /// The key's model and hardware names back to back, as the key table stores names.
        let keyBytes: [UInt8]
        let modelBytes: Int
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
    /// Forward Pass Metrics publishers, by their index in the configuration.
    private var publishers: [ForwardPassPublisher]
    /// Forward Pass Metrics drops of this batch, by ``DropReason/counterSlot``.
    private var forwardPassDrops = [UInt64](repeating: 0, count: DropReason.allCases.count)
    /// True when a Forward Pass Metrics message arrived in this batch (its statistics are published).
    private var forwardPassInBatch = false
    /// The batch's time (for the publishers' liveness).
    private var batchInstant: ContinuousClock.Instant
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
        batchInstant = origin
        publishers = c.forwardPassSources.map { source in
            ForwardPassPublisher(
                statistics: ForwardPassSourceStatistics(source: source),
                bucket: TokenBucket(burst: c.workerBurst, now: 0),
                keySlot: nil, keyBytes: Array(source.key.model.utf8) + Array(source.key.hardware.utf8),
                modelBytes: source.key.model.utf8.count)
        }
    }

    /// Starts a batch at `now`.
    mutating func begin(now: ContinuousClock.Instant) {
        batchInstant = now
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
        keys[k].pending.append(
            StepObservation(
                batchSize: Double(m.batchSize), tokens: Double(m.tokens), latencyMs: m.latencyMs,
                kvTokens: Double(m.kvContextTokens ?? 0), prefillAttentionTokens: Double(m.prefillAttentionTokens ?? 0)))
    }

    /// Handles one message of `frameCount` frames from Forward Pass Metrics publisher `index` (its position in
    /// ``AgentConfiguration/forwardPassSources``), given its first three frames (empty when absent):
    /// `[topic, 8-byte big-endian sequence, msgpack payload]`. The topic is not looked at (publishers send an
    /// empty one). Steps join the key's batch like `StepTelemetry` steps; heartbeats only update liveness.
    mutating func ingestForwardPass(
        publisher index: Int, frameCount: Int, _ topic: UnsafeRawBufferPointer, _ sequence: UnsafeRawBufferPointer,
        _ payload: UnsafeRawBufferPointer
    ) {
        forwardPassInBatch = true
        publishers[index].statistics.messages += 1
        publishers[index].statistics.lastMessageAt = batchInstant
        guard frameCount == 3, sequence.count == 8 else { return countForwardPass(.unknownTopic, publisher: index) }
        publishers[index].statistics.observe(sequence: UInt64(bigEndian: sequence.loadUnaligned(as: UInt64.self)))
        guard payload.count <= maximumMessageBytes else { return countForwardPass(.oversized, publisher: index) }
        guard publishers[index].bucket.take(now: now, rate: workerRateLimit, burst: workerBurst) else {
            return countForwardPass(.rateLimited, publisher: index)
        }
        let decoded: (metrics: ForwardPassMetrics, step: ForwardPassStep)
        switch TelemetryDecoder.decodeForwardPass(payload) {
        case .success(let d): decoded = d
        case .failure(let reason): return countForwardPass(reason, publisher: index)
        }
        let m = decoded.metrics
        publishers[index].statistics.unknownKeys += UInt64(m.unknownKeys)
        publishers[index].statistics.dpRank = m.dpRank
        let worker = UnsafeRawBufferPointer(rebasing: payload[m.workerID])
        if !publishers[index].statistics.workerID.utf8.elementsEqual(worker) {
            publishers[index].statistics.workerID = String(decoding: worker, as: UTF8.self)  // checked UTF-8
        }
        switch decoded.step {
        case .heartbeat:
            publishers[index].statistics.heartbeats += 1
            publishers[index].statistics.lastHeartbeatAt = batchInstant
        case .step(let step):
            guard let k = forwardPassKeySlot(publisher: index) else { return }
            if keys[k].pending.isEmpty { touched.append(k) }
            keys[k].pending.append(
                StepObservation(
                    batchSize: Double(step.batchSize), tokens: Double(step.tokens), latencyMs: step.latencyMs,
                    kvTokens: Double(step.kvContextTokens), prefillAttentionTokens: step.prefillAttentionTokens))
            publishers[index].statistics.steps += 1
            publishers[index].statistics.lastStepAt = batchInstant
        }
    }

    /// The key slot of publisher `index`, created on its first step (nil, counted, when the key table is full).
    private mutating func forwardPassKeySlot(publisher index: Int) -> Int? {
        if let k = publishers[index].keySlot { return k }
        let names = publishers[index].keyBytes
        let split = publishers[index].modelBytes
        let key = publishers[index].statistics.source.key
        let slot = names.withUnsafeBytes { p -> Int? in
            if let i = keys.find(p, 0..<split, split..<p.count) { return i }
            return keys.insert(p, 0..<split, split..<p.count, value: KeySlot(key: key))
        }
        guard let slot else {
            countForwardPass(.tooManyKeys, publisher: index)
            return nil
        }
        publishers[index].keySlot = slot
        return slot
    }

    private mutating func countForwardPass(_ reason: DropReason, publisher index: Int) {
        forwardPassDrops[reason.counterSlot] += 1
        publishers[index].statistics.drops[reason, default: 0] += 1
        droppedInBatch = true
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
        if droppedInBatch || forwardPassInBatch {
            let batch = drops
            let forwardPassBatch = forwardPassDrops
            let sources = forwardPassInBatch ? publishers.map(\.statistics) : nil
            state.counters.withLock { c in
                c.telemetryAccepted += recorded
                for reason in DropReason.allCases {
                    if batch[reason.counterSlot] > 0 {
                        c.count(reason, on: .telemetry, times: batch[reason.counterSlot])
                    }
                    if forwardPassBatch[reason.counterSlot] > 0 {
                        c.count(reason, on: .fpm, times: forwardPassBatch[reason.counterSlot])
                    }
                }
                if let sources { c.forwardPassSources = sources }
            }
            for i in drops.indices {
                drops[i] = 0
                forwardPassDrops[i] = 0
            }
            droppedInBatch = false
            forwardPassInBatch = false
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
