import ArgumentParser
import Foundation
import Logging
import SaturnAgent
import ServiceLifecycle
import UnixSignals

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Logging options shared by long-running commands.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    /// Bootstraps the process-wide backend (only the executable does this) and returns a logger.
    func makeLogger(label: String) -> Logger {
        let level = logLevel
        LoggingSystem.bootstrap { name in
            var handler = StreamLogHandler.standardError(label: name)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}

/// `saturn agent`: the per-node agent on the ZeroMQ bus.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the per-node agent: telemetry in, queries, parameter broadcasts.",
        discussion: """
            With no flags the agent binds tcp://127.0.0.1:5555 (telemetry SUB), :5556 (query ROUTER) and :5557 \
            (broadcast PUB). A JSON --config file may set any AgentConfiguration field (camelCase names, e.g. \
            {"nodeID": "gpu-7", "peers": [{"broadcast": "tcp://10.0.0.2:5557", "query": "tcp://10.0.0.2:5556"}]}); \
            flags override it. SIGINT and SIGTERM stop it gracefully.
            """)

    @Option(help: "JSON configuration file.")
    var config: String?

    @Option(help: "Node id in broadcasts (default: <hostname>-<pid>).")
    var nodeID: String?

    @Option(help: "Telemetry SUB bind endpoint.")
    var telemetry: String?

    @Option(help: "Query ROUTER bind endpoint.")
    var query: String?

    @Option(help: "Broadcast PUB bind endpoint.")
    var broadcast: String?

    @Option(help: "Query endpoint advertised to peers (default: the bound one).")
    var advertise: String?

    @Option(
        name: .customLong("peer"),
        help: ArgumentHelp("A peer as BROADCAST[,QUERY] (repeatable); QUERY enables snapshots.",
                           valueName: "BROADCAST[,QUERY]"))
    var peers: [String] = []

    @Option(name: .customLong("snapshot-from"), help: "Extra query endpoint to snapshot on start (repeatable).")
    var snapshotSources: [String] = []

    @Option(name: .customLong("forwarder"), help: "Forwarder XSUB endpoint to publish to as well (repeatable).")
    var forwarders: [String] = []

    @Option(help: "Observations kept per key.")
    var windowSize: Int?

    @Option(help: "Most recent observations used by a fit.")
    var fitWindow: Int?

    @Option(help: "New observations per key that trigger a fit.")
    var fitEvery: Int?

    @Option(help: "Own observations below which a key follows peers and is not fitted locally.")
    var minimumObservations: Int?

    @Option(help: "Fit objective: relative or sse.")
    var loss: String?

    @OptionGroup var logging: LoggingOptions

    func resolvedConfiguration() throws -> AgentConfiguration {
        var c = AgentConfiguration()
        if let path = config {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw ValidationError("cannot read --config \(path)")
            }
            do {
                c = try AgentConfiguration(json: data)
            } catch {
                throw ValidationError("--config \(path) is not a valid configuration: \(error)")
            }
        }
        if let v = nodeID { c.nodeID = v }
        if let v = telemetry { c.telemetryEndpoint = v }
        if let v = query { c.queryEndpoint = v }
        if let v = broadcast { c.broadcastEndpoint = v }
        if let v = advertise { c.advertisedQueryEndpoint = v }
        if !peers.isEmpty {
            c.peers = try peers.map { spec in
                guard let p = AgentConfiguration.Peer(spec: spec) else {
                    throw ValidationError("--peer takes BROADCAST[,QUERY], got '\(spec)'")
                }
                return p
            }
        }
        if !snapshotSources.isEmpty { c.snapshotSources = snapshotSources }
        if !forwarders.isEmpty { c.forwarders = forwarders }
        if let v = windowSize { c.windowSize = v }
        if let v = fitWindow { c.fitWindow = v }
        if let v = fitEvery { c.fitEvery = v }
        if let v = minimumObservations { c.minimumObservations = v }
        if let v = loss { c.loss = v }
        let problems = c.problems
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
        return c
    }

    func validate() throws { _ = try resolvedConfiguration() }

    func run() async throws {
        let configuration = try resolvedConfiguration()
        let logger = logging.makeLogger(label: "saturn.agent")
        let agent: Agent
        do {
            agent = try buildAgent(configuration: configuration, logger: logger)
            // Bind before announcing readiness so that a bind error is a clean one-line failure.
            let e = try agent.start()
            print("saturn agent \(configuration.nodeID) ready: telemetry \(e.telemetry) query \(e.query) broadcast \(e.broadcast)")
            fflush(nil)
        } catch {
            throw CLIError("\(error)")
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: AgentService(agent: agent))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

/// `saturn forwarder`: libzmq's XSUB/XPUB proxy for parameter broadcasts.
struct ForwarderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forwarder",
        abstract: "Forward parameter broadcasts (XSUB -> XPUB) so a cluster need not be a full mesh.",
        discussion: """
            Agents publish to the frontend (saturn agent --forwarder FRONTEND) and subscribe to the backend \
            (saturn agent --peer BACKEND).
            """)

    @Option(help: "XSUB bind endpoint (publishers connect here).")
    var frontend = "tcp://127.0.0.1:5558"

    @Option(help: "XPUB bind endpoint (subscribers connect here).")
    var backend = "tcp://127.0.0.1:5559"

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger(label: "saturn.forwarder")
        let forwarder: Forwarder
        do {
            forwarder = try Forwarder(frontend: frontend, backend: backend, logger: logger)
            let e = try forwarder.start()
            print("saturn forwarder ready: frontend \(e.frontend) backend \(e.backend)")
            fflush(nil)
        } catch {
            throw CLIError("\(error)")
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: ForwarderService(forwarder: forwarder))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

struct ForwarderService: Service {
    let forwarder: Forwarder

    func run() async throws {
        try await gracefulShutdown()
        forwarder.stop()
    }
}
