import SaturnModel
import SaturnWire
import SwiftProtobuf
import ZMQ

/// Queries an agent (what a router calls): predictions, the decisions (SLA inverse, capacity, admission,
/// allocation, plan), the parameter snapshot, health; the Swift twin of the Python client's `Router`.
///
/// ```swift
/// let router = try Router(endpoint: "tcp://127.0.0.1:5556", timeout: .seconds(1))
/// let p = try router.predict(ModelKey(model: "llama2-70b", hardware: "h100-80gb-tp4"), batchSize: 32, tokens: 32)
/// print(p.latencyMs, p.source, p.version)
/// ```
///
/// Uses a DEALER socket and request ids, so a reply that comes after its timeout is recognised and skipped
/// instead of wedging the next call. Like its socket, a router belongs to one thread.
public final class Router {
    private let context: Context
    private let ownsContext: Bool
    private let socket: Socket
    /// How long a call waits for its reply.
    public var timeout: Duration
    private var nextID: UInt64 = 1

    /// Connects to the agent's query endpoint.
    /// - Parameters:
    ///   - context: a context to share; by default the router makes its own and terminates it on ``close()``.
    ///   - curve: the agent's public key and this router's pair, for an agent with CURVE on (its public key must
    ///     be in the agent's `routers/` allow-list). A refused router gets no reply: its calls time out.
    /// - Throws: ``ClientError`` (`socket`) when the socket cannot be made or the endpoint is invalid.
    public init(endpoint: String, timeout: Duration = .seconds(1), context: Context? = nil,
                curve: CurveCredentials? = nil) throws(ClientError) {
        self.timeout = timeout
        do throws(ZMQError) {
            if let context { self.context = context } else { self.context = try Context() }
            ownsContext = context == nil
            socket = try Socket(self.context, .dealer)
            try curve?.apply(to: socket)
            try socket.connect(endpoint)
        } catch {
            throw .socket("cannot connect a router to \(endpoint)", error)
        }
    }

    /// The predicted step latency of `batchSize` requests and `tokens` tokens of `key`, with the step's KV-context
    /// tokens `K` and prefill attention `Q` when known (the agent assumes its set's term defaults for the others).
    /// - Throws: ``ClientError``: the agent's error (e.g. `invalid_argument` for NaN), or a timeout.
    public func predict(
        _ key: ModelKey, batchSize: Double, tokens: Double, kvTokens: Double? = nil,
        prefillAttentionTokens: Double? = nil
    ) throws(ClientError) -> Prediction {
        let reply = try call(
            .predict(
                key, batchSize: batchSize, tokens: tokens, kvTokens: kvTokens,
                prefillAttentionTokens: prefillAttentionTokens, requestID: takeID()))
        guard case .predict(let body)? = reply.body, let prediction = Prediction(body) else {
            throw ClientError(.unexpectedReply, "the reply to a predict request is not a prediction")
        }
        return prediction
    }

    /// Every parameter set the agent holds, and where its broadcast sequence stands.
    public func parameters() throws(ClientError) -> NodeParameters {
        let reply = try call(.parameters(requestID: takeID()))
        guard case .parameters(let body)? = reply.body else {
            throw ClientError(.unexpectedReply, "the reply to a parameters request is not parameters")
        }
        return NodeParameters(body)
    }

    /// The agent's counters, keys and status.
    public func health() throws(ClientError) -> HealthReport {
        let reply = try call(.health(requestID: takeID()))
        guard case .health(let body)? = reply.body else {
            throw ClientError(.unexpectedReply, "the reply to a health request is not a health report")
        }
        return HealthReport(body)
    }

    /// The most recent update candidates of `key` (nil: every key), at most `limit` per key (0: all kept), oldest
    /// first.
    public func updateHistory(_ key: ModelKey? = nil, limit: Int = 0) throws(ClientError) -> [UpdateRecord] {
        let reply = try call(.updateHistory(key, limit: limit, requestID: takeID()))
        guard case .updateHistory(let records)? = reply.body else {
            throw ClientError(.unexpectedReply, "the reply to an update history request is not a history")
        }
        return records.records.compactMap(UpdateRecord.init)
    }

    // MARK: - Decisions (requests 14..18)

    /// For each batch size of `query`, the exact token interval meeting its target (largest `S`: the upper end).
    /// - Throws: ``ClientError``: the agent's error (`invalid_argument` naming the field), or a timeout.
    public func slaInverse(_ query: SLAInverseQuery) throws(ClientError) -> Decided<[SLAInverse.Row]> {
        let reply = try call(.slaInverse(query, requestID: takeID()))
        guard case .slaInverse(let body)? = reply.body, let basis = DecisionBasis(body.basis) else {
            throw ClientError(.unexpectedReply, "the reply to an SLA inverse request is not an SLA inverse")
        }
        return Decided(value: body.rows.map(SLAInverse.Row.init), basis: basis)
    }

    /// The `(B, S)` maximising tokens/ms within the query's latency limit; nil value when nothing meets it.
    public func capacity(_ query: CapacityQuery) throws(ClientError) -> Decided<Capacity.Point?> {
        let reply = try call(.capacity(query, requestID: takeID()))
        guard case .capacity(let body)? = reply.body, let basis = DecisionBasis(body.basis) else {
            throw ClientError(.unexpectedReply, "the reply to a capacity request is not a capacity")
        }
        return Decided(value: Capacity.Point(body), basis: basis)
    }

    /// Which waiting requests join the next step.
    public func admission(_ query: AdmissionQuery) throws(ClientError) -> Decided<AdmissionDecision> {
        let reply = try call(.admission(query, requestID: takeID()))
        guard case .admission(let body)? = reply.body, let basis = DecisionBasis(body.basis),
            let decision = AdmissionDecision(body, waiting: query.waiting)
        else { throw ClientError(.unexpectedReply, "the reply to an admission request is not an admission") }
        return Decided(value: decision, basis: basis)
    }

    /// Per-tenant admissions into the next step.
    public func allocation(_ query: AllocationQuery) throws(ClientError) -> Decided<AllocationDecision> {
        let reply = try call(.allocation(query, requestID: takeID()))
        guard case .allocation(let body)? = reply.body, let basis = DecisionBasis(body.basis),
            let decision = AllocationDecision(body, tenants: query.tenants)
        else { throw ClientError(.unexpectedReply, "the reply to an allocation request is not an allocation") }
        return Decided(value: decision, basis: basis)
    }

    /// Replicas for a request rate and a static budget recommendation.
    public func plan(_ query: PlanQuery) throws(ClientError) -> Decided<PlanAnswer> {
        let reply = try call(.plan(query, requestID: takeID()))
        guard case .plan(let body)? = reply.body, let basis = DecisionBasis(body.basis) else {
            throw ClientError(.unexpectedReply, "the reply to a plan request is not a plan")
        }
        return Decided(value: PlanAnswer(body), basis: basis)
    }

    /// Sends `request` and returns the agent's reply to it (error replies thrown as ``ClientError/Kind/reply(_:)``).
    public func call(_ request: Saturn_V1_Request) throws(ClientError) -> Saturn_V1_Reply {
        let reply = try exchange(request.wireBytes(), requestID: request.requestID)
        if case .error(let e)? = reply.body {
            let code = QueryError.Code(e.code) ?? .internal
            throw ClientError(.reply(QueryError(code, e.message)), "\(code): \(e.message)")
        }
        return reply
    }

    /// Sends raw request bytes and returns the first reply whose request id is `requestID` (benchmarks and tests
    /// of bad input use this with payloads of their own).
    public func exchange(_ payload: [UInt8], requestID: UInt64) throws(ClientError) -> Saturn_V1_Reply {
        let deadline = ContinuousClock.now + timeout
        do {
            // A bounded send: with no connection (e.g. refused by a CURVE agent) a DEALER would block forever.
            try socket.set(.sendTimeout, Int32(clamping: max(1, timeout.inMilliseconds)))
            guard try socket.send([[], payload]) else {
                throw ClientError(.timeout, "no connection to send on within \(timeout)")
            }
            while true {
                let left = deadline - .now
                guard left > .zero, try socket.waitForInput(milliseconds: max(1, Int(left.inMilliseconds))) else {
                    throw ClientError(.timeout, "no reply within \(timeout)")
                }
                guard let frames = try socket.receive(wait: false), let last = frames.last else { continue }
                guard let reply = try? Saturn_V1_Reply(serializedBytes: last) else {
                    throw ClientError(.unexpectedReply, "the reply is not a saturn.v1.Reply")
                }
                // A late reply to an earlier, timed-out request: skip it.
                if reply.requestID != requestID && reply.requestID != 0 { continue }
                return reply
            }
        } catch let e as ClientError {
            throw e
        } catch let e as ZMQError {
            throw .socket("query failed", e)
        } catch {
            throw ClientError(.socket, "query failed: \(error)")
        }
    }

    private func takeID() -> UInt64 {
        defer { nextID += 1 }
        return nextID
    }

    /// Closes the socket (and the router's own context). Idempotent.
    public func close() {
        socket.close()
        if ownsContext { context.terminate() }
    }

    deinit { socket.close() }
}
