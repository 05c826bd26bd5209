import SaturnClient
import SaturnModel
import SaturnWire

/// The production path: the engine's telemetry goes to a live agent through a ``SaturnClient/Worker`` (every
/// step, with its KV-context tokens), and every step the policy asks the agent through a
/// ``SaturnClient/Router`` for the key's current parameters (a predict query, whose reply carries the parameter
/// set, its version and source). The agent starts the key from its prior and refits it as the telemetry arrives.
///
/// The admission itself is decided with ``Admission`` on the parameters the agent returned (the same function the
/// agent's admission query serves).
///
/// Telemetry carries wall-clock timestamps (the publisher's default), not simulated time.
public final class AgentOracle: AdmissionOracle {
    public let key: ModelKey
    private let worker: Worker
    private let router: Router
    /// The latest reply's parameter version and source.
    public private(set) var version: UInt64 = 0
    public private(set) var source: ParameterSource = .generic
    /// Queries and published steps.
    public private(set) var queries = 0
    public private(set) var published = 0
    public var label: String { "agent \(key.model)@\(key.hardware), version \(version) (\(source.rawValue))" }

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
        return reply.parameters
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
