import Logging
import SaturnModel
import SaturnWire
import Locking
import ZMQ

/// The endpoints an agent actually bound (ports resolved when `:*` or `:0` was asked).
public struct BoundEndpoints: Sendable, Equatable {
    public var telemetry: String
    public var query: String
    public var broadcast: String
}

/// The socket thread: owns every socket of the agent and runs the `zmq_poll` loop. Each ready socket is handed
/// to its socket-free handler — ``TelemetryIngest`` (the telemetry SUB and one SUB per Forward Pass Metrics
/// publisher), ``QueryService``, ``PeerSync`` — and the thread executes
/// what they return (reply frames, snapshot requests). It also publishes the sets the fit worker posts. Nothing
/// here fits or blocks on computation.
final class BusLoop {
    let state: AgentState
    let mailbox: BusMailbox
    let logger: Logger
    let wakeAdaptationWorker: @Sendable () -> Void
    let context: Context

    private let telemetry: Socket
    private let router: Socket
    private let publisher: Socket
    private let peers: Socket
    private let wake: Socket
    /// One SUB per Forward Pass Metrics publisher, connected to it (the engine binds), in configuration order.
    private let forwardPass: [Socket]
    /// With CURVE: the ZAP handler's REP socket (bound before every other socket), its decisions, and one
    /// handshake-failure monitor per server socket.
    private let zap: Socket?
    private var authenticator: Authenticator?
    private let curve: CurveSetup?
    private let handshakeMonitors: [(socket: AuthenticationDenial.Socket, monitor: Socket)]
    /// DEALERs of pending snapshot requests, by endpoint.
    private var dealers: [String: Socket] = [:]
    let endpoints: BoundEndpoints
    private let advertisedQuery: String

    private var ingest: TelemetryIngest
    private let queries: QueryService
    private var peerSync: PeerSync
    /// Reused receive buffer of the telemetry socket (a step message has two frames; frames stay in libzmq's
    /// messages, read in place).
    private let frames = Frames(capacity: 2)
    /// Reused receive buffer of the Forward Pass Metrics sockets (three frames: topic, sequence, payload).
    private let forwardPassFrames = Frames(capacity: 3)
    private var stopping = false
    /// True when ``dealers`` changed since the poll set was built.
    private var pollSetChanged = true
    /// When the next heartbeat is due (the first goes out at once).
    private var nextHeartbeat = ContinuousClock.now

    /// Creates and binds every socket (on the socket thread: they belong to it from here on).
    /// - Throws: ``AgentError`` (`bindFailed`) with the ``ZMQError`` as its cause.
    init(state: AgentState, mailbox: BusMailbox, context: Context, curve: CurveSetup? = nil, logger: Logger,
         wakeAdaptationWorker: @escaping @Sendable () -> Void) throws(AgentError) {
        self.state = state
        self.mailbox = mailbox
        self.context = context
        self.logger = logger
        self.wakeAdaptationWorker = wakeAdaptationWorker
        let c = state.configuration
        var opened: [Socket] = []
        func open(_ kind: Socket.Kind, _ what: String, _ setUp: (Socket) throws(ZMQError) -> String?) throws(AgentError)
            -> (Socket, String?)
        {
            do {
                let s = try Socket(context, kind)
                opened.append(s)
                return (s, try setUp(s))
            } catch {
                for s in opened { s.close() }
                throw AgentError(.bindFailed, "cannot set up the \(what) socket", cause: error)
            }
        }
        // libzmq drops a connection above ZMQ_MAXMSGSIZE; between the application limit and 4x it, the message
        // arrives and is counted as oversized.
        let maxSize = Int64(c.maximumMessageBytes * 4)
        self.curve = curve
        // CURVE: the ZAP handler first (a CURVE server with no handler bound admits every key), then each server
        // socket with its domain, so the handler knows which allow-list applies.
        if let curve {
            (zap, _) = try open(.rep, "ZAP handler (\(ZAPRequest.endpoint))") { s throws(ZMQError) in
                try s.bind(ZAPRequest.endpoint)
                return nil
            }
            authenticator = try Authenticator(directory: curve.allowDirectory, now: .now)
        } else {
            zap = nil
            authenticator = nil
        }
        func secure(_ s: Socket, _ domain: AuthenticationDenial.Socket) throws(ZMQError) {
            guard let curve else { return }
            try s.makeCurveServer(secretKey: curve.keys.secretKey, domain: domain.rawValue)
        }
        let t: String?, q: String?, b: String?
        (telemetry, t) = try open(.sub, "telemetry (\(c.telemetryEndpoint))") { s throws(ZMQError) in
            try secure(s, .telemetry)
            try s.set(.receiveHighWaterMark, c.receiveHighWaterMark)
            try s.setMaximumMessageSize(maxSize)
            try s.subscribe()
            return try s.bind(c.telemetryEndpoint)
        }
        (router, q) = try open(.router, "query (\(c.queryEndpoint))") { s throws(ZMQError) in
            try secure(s, .query)
            try s.setMaximumMessageSize(maxSize)
            return try s.bind(c.queryEndpoint)
        }
        (publisher, b) = try open(.pub, "broadcast (\(c.broadcastEndpoint))") { s throws(ZMQError) in
            try secure(s, .broadcast)
            let bound = try s.bind(c.broadcastEndpoint)
            // A forwarder that is down gets nothing queued for it: no burst of stale updates replayed when it
            // returns; heartbeats reveal what was missed and a snapshot fetches the latest sets instead.
            try s.set(.immediate, 1)
            for f in c.forwarders { try s.connect(f) }
            return bound
        }
        (peers, _) = try open(.sub, "peer") { s throws(ZMQError) in
            try s.set(.receiveHighWaterMark, c.receiveHighWaterMark)
            try s.setMaximumMessageSize(maxSize)
            try s.subscribe()
            for p in c.peers {
                // Per connection: the options are read at connect time, so each peer gets its own server key.
                if let curve { try s.makeCurveClient(serverKey: curve.serverKey(for: p.broadcast), keys: curve.keys) }
                try s.connect(p.broadcast)
            }
            return nil
        }
        var monitors: [(socket: AuthenticationDenial.Socket, monitor: Socket)] = []
        if curve != nil {
            let servers: [(AuthenticationDenial.Socket, Socket)] =
                [(.telemetry, telemetry), (.query, router), (.broadcast, publisher)]
            for (kind, socket) in servers {
                do {
                    let m = try socket.monitorHandshakeFailures(endpoint: "inproc://saturn-handshakes-\(kind.rawValue)")
                    opened.insert(m, at: 0)  // a monitor closes before its socket
                    monitors.append((kind, m))
                } catch {
                    for s in opened { s.close() }
                    throw AgentError(.bindFailed, "cannot monitor the \(kind) socket's handshakes", cause: error)
                }
            }
        }
        handshakeMonitors = monitors
        (wake, _) = try open(.pair, "wake-up") { s throws(ZMQError) in
            try s.bind(mailbox.endpoint)
            return nil
        }
        var forwardPass: [Socket] = []
        for source in c.forwardPassSources {
            let (s, _) = try open(.sub, "FPM (\(source.endpoint))") { s throws(ZMQError) in
                try s.set(.receiveHighWaterMark, c.receiveHighWaterMark)
                try s.setMaximumMessageSize(maxSize)
                try s.subscribe()
                try s.connect(source.endpoint)
                return nil
            }
            forwardPass.append(s)
        }
        self.forwardPass = forwardPass
        endpoints = BoundEndpoints(telemetry: t!, query: q!, broadcast: b!)
        advertisedQuery = c.advertisedQueryEndpoint ?? q!
        ingest = TelemetryIngest(state: state)
        queries = QueryService(state: state)
        peerSync = PeerSync(state: state, advertisedQueryEndpoint: advertisedQuery, logger: logger)
    }

    /// Runs until a `.stop` command (or context shutdown), then closes every socket.
    /// - Throws: ``AgentError`` (`socketFailed`) when a socket fails for another reason than shutdown.
    func run() throws(AgentError) {
        defer { closeAll() }
        if authenticator != nil { logAllowList("allow-list loaded") }
        execute(peerSync.start(now: .now))
        do {
            var handlers: [(socket: Socket, handle: () throws(ZMQError) -> Void)] = []
            var poller = Poller([])
            while !stopping {
                // Rebuilt only when a snapshot DEALER was opened or closed, not per wake-up.
                if pollSetChanged {
                    handlers = [(wake, drainMailbox), (telemetry, drainTelemetry), (router, drainQueries), (peers, drainPeers)]
                    for (i, socket) in forwardPass.enumerated() {
                        handlers.append((socket, { () throws(ZMQError) in try self.drainForwardPass(i) }))
                    }
                    if let zap { handlers.append((zap, drainAuthentication)) }
                    for (i, m) in handshakeMonitors.enumerated() {
                        handlers.append((m.monitor, { () throws(ZMQError) in try self.drainHandshakeFailures(i) }))
                    }
                    for (endpoint, dealer) in dealers.sorted(by: { $0.key < $1.key }) {
                        handlers.append((dealer, { () throws(ZMQError) in try self.drainSnapshotReply(endpoint) }))
                    }
                    poller = Poller(handlers.map(\.socket))
                    pollSetChanged = false
                }
                let ready = try poller.poll(timeout: pollTimeout())
                for (handler, isReady) in zip(handlers, ready) where isReady { try handler.handle() }
                execute(peerSync.due(now: .now))
                if authenticator?.refreshIfDue(now: .now) == true { logAllowList("allow-list reloaded") }
                beat(now: .now)
            }
        } catch where error.isContextTerminated {
            // Shutting down.
        } catch {
            throw AgentError(.socketFailed, "the socket loop failed", cause: error)
        }
    }

    /// Milliseconds until the next snapshot retry, heartbeat or silence check (at most 1 s, so a lost wake-up costs
    /// at most that).
    private func pollTimeout() -> Int {
        let deadlines = [peerSync.tracker.nextSnapshotDeadline, nextHeartbeat, peerSync.tracker.nextSilenceDeadline]
        guard let next = deadlines.compactMap({ $0 }).min() else { return 1000 }
        return Int(max(0, min((next - .now).inMilliseconds, 1000)))
    }

    /// Publishes a heartbeat when one is due, and asks silent origins for a snapshot.
    private func beat(now: ContinuousClock.Instant) {
        execute(peerSync.checkSilence(now: now))
        guard now >= nextHeartbeat else { return }
        let interval = state.configuration.heartbeatInterval
        nextHeartbeat = now + interval
        let heartbeat = ParameterHeartbeat(
            originNode: state.configuration.nodeID, originEpoch: state.epoch,
            lastSequence: state.sequence.withLock { $0 }, queryEndpoint: advertisedQuery, interval: interval)
        do {
            if try publisher.send(heartbeat.frames(), wait: false) {
                state.counters.withLock { $0.peerLiveness.heartbeatsPublished += 1 }
            }
        } catch {
            logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
        }
    }

    private func closeAll() {
        for s in dealers.values { s.close() }
        dealers.removeAll()
        for m in handshakeMonitors { m.monitor.close() }
        for s in [telemetry, router, publisher, peers, wake] + forwardPass { s.close() }
        zap?.close()
    }

    // MARK: - Handlers

    private func drainMailbox() throws(ZMQError) {
        while try wake.receive(wait: false) != nil {}
        for command in mailbox.drain() {
            switch command {
            case .publish(let snapshot): publish(snapshot)
            case .stop: stopping = true
            }
        }
    }

    /// Messages of one telemetry batch: the most drained per wake-up, so that queries are never starved by a
    /// telemetry flood (the poll between batches costs ~nothing at this size).
    static let telemetryBatch = 4096

    /// Drains at most a batch per wake-up.
    private func drainTelemetry() throws(ZMQError) {
        if try Self.drain(telemetry, frames, into: &ingest) { wakeAdaptationWorker() }
    }

    /// One batch: static, so that `ingest` (a stored property of this class) is one exclusive access for the whole
    /// batch, not one dynamic access check per message. Returns true when a key became due for a fit.
    private static func drain(_ socket: Socket, _ frames: Frames, into ingest: inout TelemetryIngest)
        throws(ZMQError) -> Bool
    {
        ingest.begin(now: .now)
        var handled = 0
        do {
            while handled < telemetryBatch, try socket.receive(into: frames, wait: false) {
                handled += 1
                ingest.ingest(frameCount: frames.count, frames[0], frames[1])
            }
        } catch {
            _ = ingest.finish()  // what the batch accepted is still recorded
            throw error
        }
        return ingest.finish()
    }

    /// Drains at most a batch from Forward Pass Metrics publisher `index`.
    private func drainForwardPass(_ index: Int) throws(ZMQError) {
        if try Self.drainForwardPass(forwardPass[index], index, forwardPassFrames, into: &ingest) {
            wakeAdaptationWorker()
        }
    }

    /// One batch of publisher `index` (static for the same reason as ``drain(_:_:into:)``).
    private static func drainForwardPass(
        _ socket: Socket, _ index: Int, _ frames: Frames, into ingest: inout TelemetryIngest
    ) throws(ZMQError) -> Bool {
        ingest.begin(now: .now)
        var handled = 0
        do {
            while handled < telemetryBatch, try socket.receive(into: frames, wait: false) {
                handled += 1
                ingest.ingestForwardPass(
                    publisher: index, frameCount: frames.count, frames[0], frames[1], frames[2])
            }
        } catch {
            _ = ingest.finish()
            throw error
        }
        return ingest.finish()
    }

    private func drainQueries() throws(ZMQError) {
        var handled = 0
        while handled < 10_000, let frames = try router.receive(wait: false) {
            handled += 1
            if let reply = queries.handle(frames) { _ = try router.send(reply, wait: false) }
        }
    }

    private func drainPeers() throws(ZMQError) {
        var handled = 0
        while handled < 10_000, let frames = try peers.receive(wait: false) {
            handled += 1
            execute(peerSync.receive(frames, now: .now))
        }
    }

    private func drainSnapshotReply(_ endpoint: String) throws(ZMQError) {
        guard let dealer = dealers[endpoint] else { return }
        while let frames = try dealer.receive(wait: false) {
            let actions = peerSync.receiveSnapshotReply(frames, from: endpoint)
            execute(actions)
            if !actions.isEmpty { return }
        }
    }

    /// Answers the ZAP requests of CURVE handshakes (admit a key on the allow-list of the socket's role).
    private func drainAuthentication() throws(ZMQError) {
        guard let zap else { return }
        var handled = 0
        while handled < 10_000, let frames = try zap.receive(wait: false) {
            handled += 1
            guard let request = ZAPRequest(frames: frames) else {
                _ = try zap.send(ZAPRequest.malformedReply(to: frames), wait: false)
                continue
            }
            if authenticator?.refreshIfDue(now: .now) == true { logAllowList("allow-list reloaded") }
            switch authenticator?.decide(request) ?? .deny(nil) {
            case .allow(let userID):
                _ = try zap.send(request.reply(.success, text: "OK", userID: userID), wait: false)
            case .deny(let denial):
                _ = try zap.send(request.reply(.denied, text: "not allowed"), wait: false)
                if let denial { state.counters.withLock { $0.authenticationDenials[denial, default: 0] += 1 } }
                logger.debug(
                    "connection refused",
                    metadata: ["socket": "\(request.domain)", "address": "\(request.address)",
                               "key": "\(request.curvePublicKey ?? request.mechanism)"])
            }
        }
    }

    /// Counts failed handshakes on server socket `index` that the ZAP handler did not see (plaintext clients,
    /// wrong server keys, protocol errors); ZAP refusals are counted when they are decided.
    private func drainHandshakeFailures(_ index: Int) throws(ZMQError) {
        let (socket, monitor) = handshakeMonitors[index]
        while let frames = try monitor.receive(wait: false) {
            guard let failure = HandshakeFailure(frames: frames) else { continue }
            let reason: AuthenticationDenial.Reason
            switch failure.reason {
            // Refusals are counted by the ZAP handler.
            case .authentication: continue
            case .mechanismMismatch: reason = .plaintext
            case .cryptographic: reason = .badServerKey
            case .protocolError, .noDetail: reason = .handshake
            }
            let denial = AuthenticationDenial(socket: socket, reason: reason)
            state.counters.withLock { $0.authenticationDenials[denial, default: 0] += 1 }
        }
    }

    private func logAllowList(_ what: String) {
        guard let a = authenticator else { return }
        var metadata: Logger.Metadata = ["directory": "\(a.directory)"]
        for role in AllowList.Role.allCases { metadata[role.rawValue] = "\(a.allowList.keys[role]?.count ?? 0)" }
        logger.info("\(what)", metadata: metadata)
        for problem in a.allowList.problems { logger.warning("allow-list file skipped: \(problem)") }
    }

    // MARK: - Actions

    /// Numbers and publishes a set this node accepted.
    private func publish(_ snapshot: ParameterSnapshot) {
        let broadcast = ParameterBroadcast(
            originNode: state.configuration.nodeID, originEpoch: state.epoch, sequence: state.nextSequence(),
            queryEndpoint: advertisedQuery, snapshot: snapshot)
        do {
            if try publisher.send(broadcast.frames(), wait: false) {
                state.counters.withLock { $0.updatesPublished += 1 }
            }
        } catch {
            logger.warning("publish failed", metadata: ["error": "\(error)"])
        }
    }

    private func execute(_ actions: [PeerTracker.SnapshotAction]) {
        for action in actions {
            switch action {
            case .send(let endpoint, let requestID):
                do {
                    let dealer: Socket
                    if let d = dealers[endpoint] {
                        dealer = d
                    } else {
                        dealer = try Socket(context, .dealer)
                        dealers[endpoint] = dealer
                        pollSetChanged = true
                        if let curve {
                            try dealer.makeCurveClient(serverKey: curve.serverKey(for: endpoint), keys: curve.keys)
                        }
                        try dealer.connect(endpoint)
                    }
                    _ = try dealer.send([[], Saturn_V1_Request.parameters(requestID: requestID).wireBytes()], wait: false)
                } catch {
                    logger.warning("cannot reach snapshot source", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
                }
            case .close(let endpoint, _):
                dealers.removeValue(forKey: endpoint)?.close()
                pollSetChanged = true
            }
        }
    }
}
