import SaturnModel
import SaturnWire
import Locking
import SwiftProtobuf

/// Answers the query socket's messages from the current snapshots, without sockets: routing envelope in,
/// exactly one reply out (an answer or an error with a code), every outcome counted. Owned by the socket
/// thread; tests and the fuzz harness (`ops/fuzz`) drive it directly.
public struct QueryService {
    let state: AgentState

    init(state: AgentState) {
        self.state = state
    }

    /// A service over a fresh agent state (every key answers from its prior; no sockets, no telemetry).
    public init(configuration: AgentConfiguration) {
        self.init(state: AgentState(configuration: configuration))
    }

    /// The reply frames for one received message; nil when the message has no frame to route a reply to. Counts
    /// the reply by kind and error code, and records its service time (frames in to reply encoded) in
    /// ``AgentMetrics``.
    public func handle(_ frames: [[UInt8]]) -> [[UInt8]]? {
        let started = ContinuousClock.now
        guard let envelope = Envelope(frames: frames) else {
            let e = QueryError(.malformedEnvelope, "expected [identity, \"\", Request] or [identity, Request]")
            count(.unknown, e.code)
            guard let identity = frames.first else { return nil }
            let reply = [identity, Saturn_V1_Reply.error(e, requestID: 0).wireBytes()]
            state.metrics.recordQuery(.unknown, duration: ContinuousClock.now - started)
            return reply
        }
        let (reply, kind) = respond(envelope.payload)
        if case .error(let err)? = reply.body {
            count(kind, QueryError.Code(err.code) ?? .internal)
        } else {
            count(kind, nil)
        }
        let frames = envelope.reply(reply.wireBytes())
        state.metrics.recordQuery(kind, duration: ContinuousClock.now - started)
        return frames
    }

    /// Counts one reply: by kind, and as answered (`code` nil) or by its error code.
    private func count(_ kind: QueryKind, _ code: QueryError.Code?) {
        state.counters.withLock { c in
            c.queries[kind, default: 0] += 1
            if let code {
                c.queryErrors[code, default: 0] += 1
            } else {
                c.queriesAnswered += 1
            }
        }
    }

    /// The reply to one request payload; always exactly one, an answer or an error.
    func answer(_ payload: [UInt8]) -> Saturn_V1_Reply { respond(payload).reply }

    /// The reply to one request payload, and the request's kind (``QueryKind/unknown`` when it could not be read).
    private func respond(_ payload: [UInt8]) -> (reply: Saturn_V1_Reply, kind: QueryKind) {
        let limit = state.configuration.maximumMessageBytes
        guard payload.count <= limit else {
            return (.error(QueryError(.tooLarge, "request of \(payload.count) bytes exceeds \(limit)"), requestID: 0), .unknown)
        }
        guard let request = try? Saturn_V1_Request(serializedBytes: payload) else {
            return (.error(QueryError(.malformed, "payload is not a saturn.v1.Request"), requestID: 0), .unknown)
        }
        let id = request.requestID
        guard request.protocolVersion == wireProtocolVersion else {
            let message = "protocol_version \(request.protocolVersion) is not supported (this agent speaks \(wireProtocolVersion))"
            return (.error(QueryError(.unsupportedVersion, message), requestID: id), .unknown)
        }
        return (reply(to: request), QueryKind(request.body))
    }

    /// The reply to a decoded request of the supported version.
    private func reply(to request: Saturn_V1_Request) -> Saturn_V1_Reply {
        let id = request.requestID
        var reply = Saturn_V1_Reply()
        reply.protocolVersion = wireProtocolVersion
        reply.requestID = id
        switch request.body {
        case .predict(let p)?:
            switch predict(p) {
            case .success(let r): reply.predict = r.proto
            case .failure(let e): return .error(e, requestID: id)
            }
        case .parameters?:
            reply.parameters = state.nodeParameters().proto
        case .health?:
            reply.health = health().proto
        case .updateHistory(let r)?:
            switch updateHistory(r) {
            case .success(let records): reply.updateHistory.records = records.map(\.proto)
            case .failure(let e): return .error(e, requestID: id)
            }
        case .slaInverse(let r)?:
            switch slaInverse(r) {
            case .success(let answer): reply.slaInverse = answer
            case .failure(let e): return .error(e, requestID: id)
            }
        case .capacity(let r)?:
            switch capacity(r) {
            case .success(let answer): reply.capacity = answer
            case .failure(let e): return .error(e, requestID: id)
            }
        case .admission(let r)?:
            switch admission(r) {
            case .success(let answer): reply.admission = answer
            case .failure(let e): return .error(e, requestID: id)
            }
        case .allocation(let r)?:
            switch allocation(r) {
            case .success(let answer): reply.allocation = answer
            case .failure(let e): return .error(e, requestID: id)
            }
        case .plan(let r)?:
            switch plan(r) {
            case .success(let answer): reply.plan = answer
            case .failure(let e): return .error(e, requestID: id)
            }
        case nil:
            return .error(QueryError(.missingBody, "request has no body (or one this agent does not know)"), requestID: id)
        }
        return reply
    }

    func predict(_ p: Saturn_V1_PredictRequest) -> Result<Prediction, QueryError> {
        guard WireLimits.isValidName(p.model) else {
            return .failure(QueryError(.invalidArgument, "model must be 1...\(WireLimits.maximumStringBytes) bytes"))
        }
        guard WireLimits.isValidName(p.hardware) else {
            return .failure(QueryError(.invalidArgument, "hardware must be 1...\(WireLimits.maximumStringBytes) bytes"))
        }
        guard p.batchSize.isFinite, p.batchSize >= 1, p.batchSize <= WireLimits.maximumBatchSize else {
            return .failure(QueryError(.invalidArgument, "batch_size must be finite and in [1, 1e6], got \(p.batchSize)"))
        }
        guard p.tokens.isFinite, p.tokens >= 1, p.tokens <= WireLimits.maximumTokens else {
            return .failure(QueryError(.invalidArgument, "tokens must be finite and in [1, 1e9], got \(p.tokens)"))
        }
        if p.hasKvContextTokens {
            guard p.kvContextTokens.isFinite, p.kvContextTokens >= 0,
                p.kvContextTokens <= WireLimits.maximumKVContextTokens
            else {
                return .failure(QueryError(
                    .invalidArgument, "kv_context_tokens must be finite and in [0, 1e12], got \(p.kvContextTokens)"))
            }
        }
        if p.hasPrefillAttentionTokens {
            guard p.prefillAttentionTokens.isFinite, p.prefillAttentionTokens >= 0,
                p.prefillAttentionTokens <= p.tokens * p.tokens
            else {
                return .failure(QueryError(
                    .invalidArgument,
                    "prefill_attention_tokens must be finite and in [0, tokens^2], got \(p.prefillAttentionTokens)"))
            }
        }
        let key = ModelKey(model: p.model, hardware: p.hardware)
        let snapshot = state.snapshot(for: key)
        let latency = snapshot.model.latency(
            batchSize: p.batchSize, tokens: p.tokens, kvTokens: p.hasKvContextTokens ? p.kvContextTokens : nil,
            prefillAttentionTokens: p.hasPrefillAttentionTokens ? p.prefillAttentionTokens : nil,
            defaults: snapshot.termDefaults)
        guard latency.isFinite else { return .failure(QueryError(.internal, "prediction is not finite")) }
        let accuracy = state.accuracy(for: key)
        var prediction = Prediction(
            latencyMs: latency, version: snapshot.version, source: snapshot.source,
            recentMeanRelativeError: accuracy.mean, recentObservations: UInt64(accuracy.count),
            parameters: snapshot.parameters, originNode: snapshot.originNode)
        prediction.family = snapshot.model.family
        prediction.termCoefficients = snapshot.model.coefficients
        prediction.termDefaults = snapshot.termDefaults
        return .success(prediction)
    }

    /// The recorded update candidates of one key (model and hardware given) or of every key (both empty).
    func updateHistory(_ r: Saturn_V1_UpdateHistoryRequest) -> Result<[UpdateRecord], QueryError> {
        if r.model.isEmpty && r.hardware.isEmpty { return .success(state.updateRecords(for: nil, limit: Int(r.limit))) }
        let key = ModelKey(model: r.model, hardware: r.hardware)
        guard key.isValid else {
            return .failure(QueryError(
                .invalidArgument, "model and hardware must both be 1...\(WireLimits.maximumStringBytes) bytes, or both empty"))
        }
        return .success(state.updateRecords(for: key, limit: Int(r.limit)))
    }

    func health() -> HealthReport {
        var r = HealthReport()
        r.nodeID = state.configuration.nodeID
        r.uptimeSeconds = (ContinuousClock.now - state.startedAt).inSeconds
        let c = state.counters.withLock { $0 }
        r.telemetryAccepted = c.telemetryAccepted
        r.queriesAnswered = c.queriesAnswered
        r.updatesPublished = c.updatesPublished
        r.updatesAdopted = c.updatesAdopted
        r.snapshotsRequested = c.snapshotsRequested
        r.drops = c.drops
        (r.state, r.peerLiveness) = (c.state, c.peerLiveness)
        let snapshots = state.snapshots.withLock { $0 }
        let histories = state.keys.withLock { all in
            all.mapValues { h in
                (h.observations, h.fitsAccepted, h.fitsRejected, h.fittedObservations, h.accuracy)
            }
        }
        let monitors = state.monitors.withLock { $0 }
        var degraded: [String] = []
        for key in Set(snapshots.keys).union(histories.keys).sorted() {
            var k = HealthReport.Key(key: key)
            if let (observations, accepted, rejected, fitted, accuracy) = histories[key] {
                k.observations = observations
                k.fitsAccepted = accepted
                k.fitsRejected = rejected
                k.fittedObservations = fitted
                k.recentMeanRelativeError = accuracy.mean
            }
            var broken: [String] = []
            if let m = monitors[key] {
                k.recentP95RelativeError = m.accuracy?.p95 ?? 0
                k.recentP99RelativeError = m.accuracy?.p99 ?? 0
                k.degradationAlert = m.degradation?.isDegraded ?? false
                k.degradationPValue = m.degradation?.pValue ?? 1
                k.drift = m.drift?.isDrift ?? false
                k.driftPValue = m.drift?.pValue ?? 1
                k.parameterDriftRate = m.parameterDriftRate
                k.updateFailureRate = m.updateFailureRate
                k.familyChoice = m.familyChoice
                k.rejectedObservations = m.rejections.total
                k.recentRejections = m.rejections.recent
                broken = m.brokenThresholds
            }
            k.status = broken.isEmpty ? "ok" : "degraded: " + broken.joined(separator: ", ")
            degraded += broken.map { "\(key) \($0)" }
            if let s = snapshots[key] {
                k.source = s.source
                k.version = s.version
                k.family = s.model.family
            }
            r.keys.append(k)
        }
        r.status = degraded.isEmpty ? "ok" : "degraded: " + degraded.joined(separator: ", ")
        let now = ContinuousClock.now
        func since(_ t: ContinuousClock.Instant?) -> Double { t.map { (now - $0).inSeconds } ?? -1 }
        r.forwardPassSources = c.forwardPassSources.map { f in
            var s = HealthReport.ForwardPassSource(endpoint: f.source.endpoint, key: f.source.key)
            s.messages = f.messages
            s.steps = f.steps
            s.heartbeats = f.heartbeats
            s.drops = Dictionary(
                uniqueKeysWithValues: f.drops.filter { $0.value > 0 }.map { ($0.key.rawValue, $0.value) })
            s.sequenceGaps = f.sequenceGaps
            s.missedMessages = f.missedMessages
            s.sequenceRestarts = f.sequenceRestarts
            s.unknownKeys = f.unknownKeys
            s.lastSequence = f.lastSequence ?? 0
            s.secondsSinceMessage = since(f.lastMessageAt)
            s.secondsSinceStep = since(f.lastStepAt)
            s.secondsSinceHeartbeat = since(f.lastHeartbeatAt)
            s.workerID = f.workerID
            s.dpRank = f.dpRank
            return s
        }
        return r
    }
}
