import Foundation
import Logging
import SaturnModel
import SaturnWire
import SwiftProtobuf
import Synchronization
import ZMQ

/// The endpoints an agent actually bound (ports resolved when `:*` or `:0` was asked).
public struct BoundEndpoints: Sendable, Equatable {
    public var telemetry: String
    public var query: String
    public var broadcast: String
}

/// The socket thread: owns every socket of the agent and runs the `zmq_poll` loop.
///
/// It ingests telemetry (validated; drops counted by reason), answers queries from the current snapshots,
/// publishes parameter updates posted by the fit worker, follows peers' broadcasts (``PeerTracker``), and asks
/// peers for snapshots on start and after sequence gaps. Nothing here fits or blocks on computation.
final class BusLoop {
    let state: AgentState
    let mailbox: BusMailbox
    let logger: Logger
    let wakeFitWorker: @Sendable () -> Void
    let context: Context
    var tracker: PeerTracker

    private var telemetry: Socket!
    private var router: Socket!
    private var publisher: Socket!
    private var peers: Socket!
    private var wake: Socket!
    private var advertisedQuery = ""

    /// Pending snapshot requests by endpoint.
    private struct PendingSnapshot {
        var socket: Socket
        var deadline: ContinuousClock.Instant
        var attempts: Int
        var requestID: UInt64
    }
    private var snapshotRequests: [String: PendingSnapshot] = [:]
    private var nextRequestID: UInt64 = 1

    /// Per-worker token bucket and last sequence.
    private struct WorkerState {
        var tokens: Double
        var refilled: ContinuousClock.Instant
        var lastSequence: UInt64?
    }
    static let maximumWorkers = 65_536

    init(state: AgentState, mailbox: BusMailbox, context: Context, logger: Logger,
         wakeFitWorker: @escaping @Sendable () -> Void) {
        self.state = state
        self.mailbox = mailbox
        self.context = context
        self.logger = logger
        self.wakeFitWorker = wakeFitWorker
        tracker = PeerTracker(selfNode: state.configuration.nodeID)
    }

    /// Creates and binds the sockets (on the socket thread).
    func open() throws -> BoundEndpoints {
        let c = state.configuration
        let maxSize = Int64(c.maximumMessageBytes * 4)
        telemetry = try Socket(context, .sub)
        try telemetry.set(.receiveHighWaterMark, c.receiveHighWaterMark)
        try telemetry.setMaximumMessageSize(maxSize)
        try telemetry.subscribe()
        let t = try telemetry.bind(c.telemetryEndpoint)
        router = try Socket(context, .router)
        try router.setMaximumMessageSize(maxSize)
        let q = try router.bind(c.queryEndpoint)
        publisher = try Socket(context, .pub)
        let b = try publisher.bind(c.broadcastEndpoint)
        for f in c.forwarders { try publisher.connect(f) }
        peers = try Socket(context, .sub)
        try peers.set(.receiveHighWaterMark, c.receiveHighWaterMark)
        try peers.setMaximumMessageSize(maxSize)
        try peers.subscribe()
        for p in c.peers { try peers.connect(p.broadcast) }
        wake = try Socket(context, .pair)
        try wake.bind(mailbox.endpoint)
        advertisedQuery = c.advertisedQueryEndpoint ?? q
        for endpoint in c.peers.compactMap(\.query) + c.snapshotSources { requestSnapshot(from: endpoint) }
        return BoundEndpoints(telemetry: t, query: q, broadcast: b)
    }

    /// Runs until a `.stop` command (or context shutdown), then closes every socket.
    func run() {
        defer { closeAll() }
        do {
            loop: while true {
                let dealerEndpoints = Array(snapshotRequests.keys)
                var poller = Poller([telemetry, router, peers, wake] + dealerEndpoints.map { snapshotRequests[$0]!.socket })
                let ready = try poller.poll(timeout: pollTimeout())
                if ready[3] {
                    while try wake.receive(wait: false) != nil {}
                    for command in mailbox.drain() {
                        switch command {
                        case .publish(let update): publish(update)
                        case .stop: break loop
                        }
                    }
                }
                if ready[0] { try drainTelemetry() }
                if ready[1] { try drainQueries() }
                if ready[2] { try drainPeers() }
                for (i, endpoint) in dealerEndpoints.enumerated() where ready[4 + i] {
                    try drainSnapshotReplies(endpoint)
                }
                retrySnapshots()
            }
        } catch let e as ZMQError where e.isContextTerminated {
            // Shutting down.
        } catch {
            logger.error("socket loop failed", metadata: ["error": "\(error)"])
        }
    }

    private func pollTimeout() -> Int {
        guard let next = snapshotRequests.values.map(\.deadline).min() else { return 1000 }
        let left = next - .now
        let ms = Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
        return max(0, min(ms, 1000))
    }

    private func closeAll() {
        for p in snapshotRequests.values { p.socket.close() }
        snapshotRequests.removeAll()
        for s in [telemetry, router, publisher, peers, wake] { s?.close() }
    }

    // MARK: - Telemetry

    /// Reused receive buffer of the telemetry socket.
    private var frames = Frames()
    /// Keys seen on the wire, found by the hash of their raw bytes (no String is built for a known key).
    private var keyCache: [UInt64: [Int]] = [:]
    private var keyEntries: [(model: [UInt8], hardware: [UInt8], key: ModelKey)] = []
    /// Workers, found the same way.
    private var workerIndex: [UInt64: [Int]] = [:]
    private var workerEntries: [(id: [UInt8], state: WorkerState)] = []
    private var lastWorker = 0
    private var lastKey = 0
    /// Steps of the current drain batch, per key entry.
    private var pending: [[(Double, Double, Double)]] = []
    private var touched: [Int] = []
    private var accepted = 0
    private var localDrops = [Int](repeating: 0, count: TelemetryDrop.allCases.count)
    /// The clock read once per drain batch (token buckets refill per batch).
    private var batchNow = ContinuousClock.now

    /// Drains at most a batch per wake-up so that queries are never starved by a telemetry flood, then records
    /// the batch under one lock per key.
    private func drainTelemetry() throws {
        var handled = 0
        batchNow = .now
        while handled < 4096, try telemetry.receive(into: &frames, wait: false) {
            handled += 1
            ingestFrames()
        }
        flushTelemetry()
    }

    /// Handles one message already in ``frames``.
    private func ingestFrames() {
        let payloadRange: Range<Int>
        if frames.count == 2 && frames.frame(0, equals: Topic.step) {
            payloadRange = frames.range(1)
        } else if frames.count == 1 {
            payloadRange = frames.range(0)
        } else {
            count(.unknownTopic)
            return
        }
        guard payloadRange.count <= state.configuration.maximumMessageBytes else {
            count(.oversized)
            return
        }
        frames.bytes.withUnsafeBytes { all in
            let p = UnsafeRawBufferPointer(rebasing: all[payloadRange])
            guard let m = StepTelemetryParser.parse(p) else { return count(.malformed) }
            if let drop = StepTelemetryParser.validate(m) { return count(drop) }
            guard let w = worker(p, m.workerID) else { return }
            guard admit(worker: w, sequence: m.sequence) else { return }
            guard let k = keyEntry(p, m.model, m.hardware) else { return }
            if pending[k].isEmpty { touched.append(k) }
            pending[k].append((Double(m.batchSize), Double(m.tokens), m.latencyMs))
        }
    }

    /// Records the batch and publishes the counters (once per batch).
    private func flushTelemetry() {
        var fitDue = false
        var recorded = 0
        for k in touched {
            switch state.recordBatch(key: keyEntries[k].key, steps: pending[k]) {
            case .recorded(let due):
                recorded += pending[k].count
                fitDue = fitDue || due
            case .keyTableFull:
                localDrops[TelemetryDrop.allCases.firstIndex(of: .tooManyKeys)!] += pending[k].count
            }
            pending[k].removeAll(keepingCapacity: true)
        }
        touched.removeAll(keepingCapacity: true)
        let drops = localDrops
        if recorded > 0 || drops.contains(where: { $0 > 0 }) {
            state.counters.withLock { c in
                c.telemetryAccepted += UInt64(recorded)
                for (i, reason) in TelemetryDrop.allCases.enumerated() where drops[i] > 0 {
                    c.drops["telemetry.\(reason.rawValue)", default: 0] += UInt64(drops[i])
                }
            }
            for i in localDrops.indices { localDrops[i] = 0 }
        }
        if fitDue { wakeFitWorker() }
    }

    private func count(_ reason: TelemetryDrop) {
        localDrops[TelemetryDrop.allCases.firstIndex(of: reason)!] += 1
    }

    /// FNV-1a over one or two byte ranges.
    private static func hash(_ p: UnsafeRawBufferPointer, _ a: Range<Int>, _ b: Range<Int>? = nil) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in a { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        if let b {
            h = (h ^ 0xff) &* 0x100_0000_01b3
            for i in b { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        }
        return h
    }

    private static func equal(_ p: UnsafeRawBufferPointer, _ r: Range<Int>, _ bytes: [UInt8]) -> Bool {
        guard r.count == bytes.count else { return false }
        return bytes.withUnsafeBytes { memcmp(p.baseAddress! + r.lowerBound, $0.baseAddress!, r.count) == 0 }
    }

    /// The worker slot for the id in `r`, created on first sight (nil and counted when invalid or too many).
    private func worker(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        // Steps come in runs from one worker: try the previous one before hashing.
        if lastWorker < workerEntries.count, Self.equal(p, r, workerEntries[lastWorker].id) { return lastWorker }
        let i = lookupWorker(p, r)
        if let i { lastWorker = i }
        return i
    }

    private func lookupWorker(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        let h = Self.hash(p, r)
        if let candidates = workerIndex[h] {
            for i in candidates where Self.equal(p, r, workerEntries[i].id) { return i }
        }
        guard workerEntries.count < Self.maximumWorkers else {
            count(.tooManyWorkers)
            return nil
        }
        guard TelemetryDecoder.string(p, r) != nil else {
            count(.malformed)
            return nil
        }
        let c = state.configuration
        workerEntries.append((Array(p[r]), WorkerState(tokens: c.workerBurst, refilled: batchNow, lastSequence: nil)))
        workerIndex[h, default: []].append(workerEntries.count - 1)
        return workerEntries.count - 1
    }

    /// Token bucket and duplicate check for one message of worker `w`.
    private func admit(worker i: Int, sequence: UInt64) -> Bool {
        let c = state.configuration
        var w = workerEntries[i].state
        defer { workerEntries[i].state = w }
        let now = batchNow
        let elapsed = now - w.refilled
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        w.tokens = min(c.workerBurst, w.tokens + seconds * c.workerRateLimit)
        w.refilled = now
        guard w.tokens >= 1 else {
            count(.rateLimited)
            return false
        }
        w.tokens -= 1
        if let last = w.lastSequence, sequence == last, sequence != 0 {
            count(.duplicate)
            return false
        }
        w.lastSequence = sequence
        return true
    }

    /// The key entry for `(model, hardware)`, created on first sight.
    private func keyEntry(_ p: UnsafeRawBufferPointer, _ model: Range<Int>, _ hardware: Range<Int>) -> Int? {
        if lastKey < keyEntries.count, Self.equal(p, model, keyEntries[lastKey].model),
            Self.equal(p, hardware, keyEntries[lastKey].hardware)
        {
            return lastKey
        }
        let i = lookupKey(p, model, hardware)
        if let i { lastKey = i }
        return i
    }

    private func lookupKey(_ p: UnsafeRawBufferPointer, _ model: Range<Int>, _ hardware: Range<Int>) -> Int? {
        let h = Self.hash(p, model, hardware)
        if let candidates = keyCache[h] {
            for i in candidates
            where Self.equal(p, model, keyEntries[i].model) && Self.equal(p, hardware, keyEntries[i].hardware) {
                return i
            }
        }
        guard keyEntries.count < state.configuration.maximumKeys else {
            count(.tooManyKeys)
            return nil
        }
        guard let m = TelemetryDecoder.string(p, model), let hw = TelemetryDecoder.string(p, hardware) else {
            count(.malformed)
            return nil
        }
        keyEntries.append((Array(p[model]), Array(p[hardware]), ModelKey(model: m, hardware: hw)))
        pending.append([])
        keyCache[h, default: []].append(keyEntries.count - 1)
        return keyEntries.count - 1
    }

    // MARK: - Queries

    private func drainQueries() throws {
        var handled = 0
        while handled < 10_000, let frames = try router.receive(wait: false) {
            handled += 1
            guard let (envelope, payload) = splitEnvelope(frames) else {
                let e = QueryError(.malformedEnvelope, "expected [identity, \"\", Request] or [identity, Request]")
                state.drop(e.counterName)
                if let id = frames.first {
                    _ = try router.send([id] + [try Saturn_V1_Reply.error(e, requestID: 0).serializedBytes()], wait: false)
                }
                continue
            }
            let reply = QueryHandler(state: state).answer(payload)
            if case .error(let err)? = reply.body {
                state.drop(QueryError(err.code, err.message).counterName)
            } else {
                state.counters.withLock { $0.queriesAnswered += 1 }
            }
            let bytes: [UInt8] = try reply.serializedBytes()
            _ = try router.send(envelope + [bytes], wait: false)
        }
    }

    // MARK: - Broadcast

    private func publish(_ update: Saturn_V1_ParameterUpdate) {
        var u = update
        u.queryEndpoint = advertisedQuery
        do {
            let bytes: [UInt8] = try u.serializedBytes()
            if try publisher.send([Topic.parameters, bytes], wait: false) {
                state.counters.withLock { $0.updatesPublished += 1 }
            }
        } catch {
            logger.warning("publish failed", metadata: ["error": "\(error)"])
        }
    }

    private func drainPeers() throws {
        var handled = 0
        while handled < 10_000, let frames = try peers.receive(wait: false) {
            handled += 1
            receiveBroadcast(frames)
        }
    }

    func receiveBroadcast(_ frames: [[UInt8]]) {
        let payload: [UInt8]
        if frames.count == 2 && frames[0] == Topic.parameters {
            payload = frames[1]
        } else if frames.count == 1 {
            payload = frames[0]
        } else {
            state.drop("broadcast.malformed")
            return
        }
        guard payload.count <= state.configuration.maximumMessageBytes else {
            state.drop("broadcast.oversized")
            return
        }
        guard let update = try? Saturn_V1_ParameterUpdate(serializedBytes: payload) else {
            state.drop("broadcast.malformed")
            return
        }
        guard update.protocolVersion == wireProtocolVersion else {
            state.drop("broadcast.unsupported_version")
            return
        }
        guard !update.originNode.isEmpty, update.hasSet else {
            state.drop("broadcast.missing_field")
            return
        }
        guard var snapshot = ParameterSnapshot(validating: update.set) else {
            state.drop("broadcast.invalid_parameters")
            return
        }
        snapshot.originNode = update.originNode
        snapshot.originEpoch = update.originEpoch
        let action = tracker.receive(
            origin: update.originNode, epoch: update.originEpoch, sequence: update.sequence, key: snapshot.key,
            version: snapshot.version, queryEndpoint: update.queryEndpoint)
        switch action {
        case .drop(let reason):
            state.drop("broadcast.\(reason)")
        case .adopt(let snapshotFrom):
            if state.adoptPeer(snapshot) {
                logger.info(
                    "adopted peer parameters",
                    metadata: ["key": "\(snapshot.key)", "origin": "\(snapshot.originNode)", "version": "\(snapshot.version)"])
            }
            if let endpoint = snapshotFrom {
                logger.info("broadcast sequence gap, requesting snapshot", metadata: ["origin": "\(update.originNode)"])
                requestSnapshot(from: endpoint)
            }
        }
    }

    // MARK: - Snapshots

    private func requestSnapshot(from endpoint: String) {
        guard endpoint != advertisedQuery else { return }
        if snapshotRequests[endpoint] != nil { return }  // already pending
        do {
            let dealer = try Socket(context, .dealer)
            try dealer.connect(endpoint)
            let id = nextRequestID
            nextRequestID += 1
            snapshotRequests[endpoint] = PendingSnapshot(socket: dealer, deadline: .now, attempts: 0, requestID: id)
            state.counters.withLock { $0.snapshotsRequested += 1 }
            retrySnapshots()
        } catch {
            logger.warning("cannot reach snapshot source", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
        }
    }

    /// (Re)sends due snapshot requests; gives up after 30 attempts.
    private func retrySnapshots() {
        let now = ContinuousClock.now
        for (endpoint, var p) in snapshotRequests where p.deadline <= now {
            if p.attempts >= 30 {
                logger.warning("snapshot source did not answer, giving up", metadata: ["endpoint": "\(endpoint)"])
                p.socket.close()
                snapshotRequests[endpoint] = nil
                continue
            }
            var request = Saturn_V1_Request()
            request.protocolVersion = wireProtocolVersion
            request.requestID = p.requestID
            request.parameters = Saturn_V1_ParametersRequest()
            if let bytes: [UInt8] = try? request.serializedBytes() {
                _ = try? p.socket.send([[], bytes], wait: false)
            }
            p.attempts += 1
            p.deadline = now + .milliseconds(Int(state.configuration.snapshotRetrySeconds * 1000))
            snapshotRequests[endpoint] = p
        }
    }

    private func drainSnapshotReplies(_ endpoint: String) throws {
        guard let pending = snapshotRequests[endpoint] else { return }
        while let frames = try pending.socket.receive(wait: false) {
            guard let payload = frames.last, let reply = try? Saturn_V1_Reply(serializedBytes: payload),
                reply.protocolVersion == wireProtocolVersion, case .parameters(let body)? = reply.body
            else {
                state.drop("broadcast.malformed")
                continue
            }
            tracker.resynchronise(node: body.nodeID, epoch: body.nodeEpoch, lastSequence: body.lastSequence)
            var adopted = 0
            for set in body.sets {
                guard set.source == .localFit || set.source == .peer,
                    let snapshot = ParameterSnapshot(validating: set)
                else { continue }
                if tracker.receiveSnapshotSet(
                    key: snapshot.key, setOrigin: snapshot.originNode, epoch: snapshot.originEpoch,
                    version: snapshot.version), state.adoptPeer(snapshot)
                {
                    adopted += 1
                }
            }
            logger.info(
                "snapshot received",
                metadata: ["from": "\(body.nodeID)", "sets": "\(body.sets.count)", "adopted": "\(adopted)"])
            pending.socket.close()
            snapshotRequests[endpoint] = nil
            return
        }
    }
}
