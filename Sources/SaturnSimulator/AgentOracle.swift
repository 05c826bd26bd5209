import SaturnClient
import SaturnModel
import SaturnWire

/// The production path: the engine's telemetry goes to a live agent through a ``SaturnClient/Worker`` (every
/// step, with its KV-context tokens), and every step the policy asks the agent through a
/// ``SaturnClient/Router``: a predict query for the key's current parameters (its reply carries the set, its
/// version and source), and the agent's admission query for the decision. The agent starts the key from its prior
/// and refits it as the telemetry arrives.
///
/// The admission is the agent's answer when the set the policy plans with is the agent's current one and the
/// agent answered from that same set (its reply's basis); otherwise (the policy kept an earlier set because the
/// agent's latest predicted the engine's steps worse, or the agent refitted between the two queries, or more
/// than `WireLimits.maximumWaitingRequests` candidates) it is decided in process with ``Admission`` on the
/// policy's set: the same function the agent serves. ``busDecisions`` and ``localDecisions`` count both.
///
/// Telemetry carries wall-clock timestamps (the publisher's default), not simulated time.
public final class AgentOracle: AdmissionOracle {
    public let key: ModelKey
    private let worker: Worker
    private let router: Router
    /// The latest reply's parameter version and source.
    public private(set) var version: UInt64 = 0
    public private(set) var source: ParameterSource = .generic
    /// Decisions answered by the agent, and decided in process (see the type's documentation).
    public private(set) var busDecisions = 0
    public private(set) var localDecisions = 0
    private var latest: LatencyParameters?
    /// Queries and published steps.
    public private(set) var queries = 0
    public private(set) var published = 0
    public var label: String {
        "agent \(key.model)@\(key.hardware), version \(version) (\(source.rawValue)), admissions \(busDecisions) by the "
            + "agent and \(localDecisions) in process"
    }

    /// Connects a worker to `telemetry` and a router to `query` for `key`, and waits for the worker's connection.
    /// - Throws: ``SaturnClient/ClientError`` when a socket cannot be made or the worker cannot connect.
    public init(telemetry: String, query: String, key: ModelKey, workerID: String) throws {
        self.key = key
        worker = try Worker(endpoint: telemetry, workerID: workerID, key: key)
        router = try Router(endpoint: query, timeout: .seconds(5))
        guard try worker.waitUntilConnected(timeout: .seconds(5), settle: .milliseconds(100)) else {
            worker.close()
            router.close()
            throw ClientError(.timeout, "the worker could not connect to \(telemetry)")
        }
    }

    public func parameters() throws -> LatencyParameters {
        let reply = try router.predict(key, batchSize: 1, tokens: 1)
        queries += 1
        version = reply.version
        source = reply.source
        // The base set the agent's decisions use (a richer family's terms folded in at the set's defaults), so that
        // a bus decision's basis can be compared with it.
        latest = reply.decisionParameters
        return reply.decisionParameters
    }

    public func decide(runningCount: Int, runningTokens: Double, waiting: [AdmissionCandidate], slaMs: Double,
                       options: AdmissionOptions, parameters: LatencyParameters) throws -> AdmissionDecision
    {
        if parameters == latest, waiting.count <= WireLimits.maximumWaitingRequests {
            let running = [Double](repeating: runningCount > 0 ? runningTokens / Double(runningCount) : 0,
                                   count: runningCount)
            let reply = try router.admission(
                AdmissionQuery(key: key, slaMs: slaMs, running: running, waiting: waiting, options: options,
                               margin: .fixed(options.safetyMargin)))
            queries += 1
            if reply.basis.parameters == parameters {
                busDecisions += 1
                return reply.value
            }
        }
        localDecisions += 1
        return Admission.decide(runningCount: runningCount, runningTokens: runningTokens, waiting: waiting,
                                slaMs: slaMs, options: options, parameters: parameters)
    }

    public func record(_ step: StepRecord) throws {
        try worker.publish(
            batchSize: step.batchSize, tokens: step.tokens, latencyMs: step.latencyMs,
            kvContextTokens: UInt64(max(0, step.kvContextTokens)))
        published += 1
    }

    /// Closes both sockets.
    public func close() {
        worker.close()
        router.close()
    }

    deinit { close() }
}
