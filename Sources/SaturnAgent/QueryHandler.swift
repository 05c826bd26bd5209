import SaturnModel
import SaturnWire
import SwiftProtobuf
import Synchronization

/// Answers one query payload from the current snapshots: pure request-to-reply, no sockets (testable directly).
struct QueryHandler {
    let state: AgentState

    /// The reply to `payload`; always exactly one, an answer or an error.
    func answer(_ payload: [UInt8]) -> Saturn_V1_Reply {
        guard payload.count <= state.configuration.maximumMessageBytes else {
            return .error(QueryError(.tooLarge, "request of \(payload.count) bytes exceeds \(state.configuration.maximumMessageBytes)"), requestID: 0)
        }
        let request: Saturn_V1_Request
        do {
            request = try Saturn_V1_Request(serializedBytes: payload)
        } catch {
            return .error(QueryError(.malformed, "payload is not a saturn.v1.Request"), requestID: 0)
        }
        let id = request.requestID
        guard request.protocolVersion == wireProtocolVersion else {
            return .error(
                QueryError(.unsupportedVersion, "protocol_version \(request.protocolVersion) is not supported (this agent speaks 1)"),
                requestID: id)
        }
        var reply = Saturn_V1_Reply()
        reply.protocolVersion = wireProtocolVersion
        reply.requestID = id
        switch request.body {
        case .predict(let p)?:
            switch predict(p) {
            case .success(let r): reply.predict = r
            case .failure(let e): return .error(e, requestID: id)
            }
        case .parameters?:
            reply.parameters = parameters()
        case .health?:
            reply.health = health()
        case nil:
            return .error(QueryError(.missingBody, "request has no body (or one this agent does not know)"), requestID: id)
        }
        return reply
    }

    func predict(_ p: Saturn_V1_PredictRequest) -> Result<Saturn_V1_PredictReply, QueryError> {
        guard !p.model.isEmpty, p.model.utf8.count <= WireLimits.maximumStringBytes else {
            return .failure(QueryError(.invalidArgument, "model must be 1...256 bytes"))
        }
        guard !p.hardware.isEmpty, p.hardware.utf8.count <= WireLimits.maximumStringBytes else {
            return .failure(QueryError(.invalidArgument, "hardware must be 1...256 bytes"))
        }
        guard p.batchSize.isFinite, p.batchSize >= 1, p.batchSize <= WireLimits.maximumBatchSize else {
            return .failure(QueryError(.invalidArgument, "batch_size must be finite and in [1, 1e6], got \(p.batchSize)"))
        }
        guard p.tokens.isFinite, p.tokens >= 1, p.tokens <= WireLimits.maximumTokens else {
            return .failure(QueryError(.invalidArgument, "tokens must be finite and in [1, 1e9], got \(p.tokens)"))
        }
        let key = ModelKey(model: p.model, hardware: p.hardware)
        let snapshot = state.snapshot(for: key)
        let latency = snapshot.parameters.latency(batchSize: p.batchSize, tokens: p.tokens)
        guard latency.isFinite else { return .failure(QueryError(.internal, "prediction is not finite")) }
        let accuracy = state.accuracy(for: key)
        var r = Saturn_V1_PredictReply()
        r.latencyMs = latency
        r.version = snapshot.version
        r.source = snapshot.source
        r.recentMeanRelativeError = accuracy.mean
        r.recentObservations = UInt64(accuracy.count)
        r.parameters = snapshot.parameters.proto
        r.originNode = snapshot.originNode
        return .success(r)
    }

    func parameters() -> Saturn_V1_ParametersReply {
        var r = Saturn_V1_ParametersReply()
        r.nodeID = state.configuration.nodeID
        r.nodeEpoch = state.epoch
        r.lastSequence = state.sequence.withLock { $0 }
        r.sets = state.snapshots.withLock { $0.values.sorted { $0.key < $1.key }.map(\.proto) }
        return r
    }

    func health() -> Saturn_V1_HealthReply {
        var r = Saturn_V1_HealthReply()
        r.nodeID = state.configuration.nodeID
        let up = ContinuousClock.now - state.startedAt
        r.uptimeSeconds = Double(up.components.seconds) + Double(up.components.attoseconds) * 1e-18
        let c = state.counters.withLock { $0 }
        r.telemetryAccepted = c.telemetryAccepted
        r.queriesAnswered = c.queriesAnswered
        r.updatesPublished = c.updatesPublished
        r.updatesAdopted = c.updatesAdopted
        r.snapshotsRequested = c.snapshotsRequested
        r.drops = c.drops
        let snapshots = state.snapshots.withLock { $0 }
        let keyData = state.keys.withLock { all in
            all.mapValues { d in
                (d.observations, d.fitsAccepted, d.fitsRejected, d.fittedObservations,
                 (sum: max(0, d.relativeErrorSum), count: d.relativeErrors.count))
            }
        }
        var degraded: [String] = []
        for key in Set(snapshots.keys).union(keyData.keys).sorted() {
            var k = Saturn_V1_KeyHealth()
            k.key = key.proto
            if let d = keyData[key] {
                k.observations = d.0
                k.fitsAccepted = d.1
                k.fitsRejected = d.2
                k.fittedObservations = d.3
                k.recentMeanRelativeError = d.4.count == 0 ? 0 : d.4.sum / Double(d.4.count)
                if d.4.count >= 100 && k.recentMeanRelativeError > 0.15 { degraded.append("\(key) error rate") }
            }
            if let s = snapshots[key] {
                k.source = s.source
                k.version = s.version
            }
            r.keys.append(k)
        }
        r.status = degraded.isEmpty ? "ok" : "degraded: " + degraded.joined(separator: ", ")
        return r
    }
}
