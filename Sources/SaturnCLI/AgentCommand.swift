import ArgumentParser
import Foundation
import Logging
import SaturnAgent
import ServiceLifecycle
import UnixSignals

/// `saturn agent`: the per-node agent on the ZeroMQ bus.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the per-node agent: telemetry in, queries, parameter broadcasts.",
        discussion: """
            With no flags the agent binds tcp://127.0.0.1:5555 (telemetry SUB), :5556 (query ROUTER) and :5557 \
            (broadcast PUB). A JSON --config file may set any configuration field by name (e.g. {"nodeID": \
            "gpu-7", "peers": [{"broadcast": "tcp://10.0.0.2:5557", "query": "tcp://10.0.0.2:5556"}], \
            "fitEvery": 200}); --set NAME=VALUE sets one field the same way, and the flags below are shorthands \
            for the commonest. Later settings win: file, then --set, then flags. --print-config shows every field \
            with its value. SIGINT and SIGTERM stop the agent gracefully.

            --metrics HOST:PORT (or a bare PORT, on 127.0.0.1; config key "metrics") serves GET /metrics in the \
            Prometheus text format (saturn_* counters, histograms and per-key gauges); off by default. Port 0 \
            picks a free port, shown in the ready line.
            """)

    @Option(help: "JSON configuration file (// line comments allowed; example: ops/deploy/saturn-agent.jsonc).")
    var config: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Set one configuration field, e.g. fitEvery=200 or idleFitSeconds=0.5 (repeatable).",
                           valueName: "NAME=VALUE"))
    var assignments: [String] = []

    @Flag(help: "Print the resolved configuration as JSON and exit.")
    var printConfig = false

    @Option(help: "Node id in broadcasts (default: <hostname>-<pid>). Same as --set nodeID=...")
    var nodeID: String?

    @Option(help: "Telemetry SUB bind endpoint. Same as --set telemetryEndpoint=...")
    var telemetry: String?

    @Option(help: "Query ROUTER bind endpoint. Same as --set queryEndpoint=...")
    var query: String?

    @Option(help: "Broadcast PUB bind endpoint. Same as --set broadcastEndpoint=...")
    var broadcast: String?

    @Option(help: "Query endpoint advertised to peers (default: the bound one).")
    var advertise: String?

    @Option(
        name: .customLong("peer"),
        help: ArgumentHelp(
            "A peer as BROADCAST[,QUERY[,SERVERKEY]] (repeatable); QUERY enables snapshots; SERVERKEY is the peer's "
                + ".pub file under CURVE (default: this agent's own public key).",
            valueName: "BROADCAST[,QUERY[,SERVERKEY]]"))
    var peers: [String] = []

    @Option(name: .customLong("snapshot-from"), help: "Extra query endpoint to snapshot on start (repeatable).")
    var snapshotSources: [String] = []

    @Option(name: .customLong("forwarder"), help: "Forwarder XSUB endpoint to publish to as well (repeatable).")
    var forwarders: [String] = []

    @Option(
        name: .customLong("fpm"),
        help: ArgumentHelp(
            "An engine's Forward Pass Metrics publisher to connect to, and the key of its steps (repeatable), e.g. "
                + "tcp://10.0.0.5:20380=llama-3-8b@h100-tp1. Same as the configuration's \"fpm\" array.",
            valueName: "ENDPOINT=MODEL@HARDWARE"))
    var forwardPassSources: [String] = []

    @Option(
        help: ArgumentHelp(
            "Serve GET /metrics (Prometheus) on HOST:PORT, or on 127.0.0.1:PORT for a bare PORT. Same as --set metrics=...",
            valueName: "HOST:PORT"))
    var metrics: String?

    @Option(help: "CURVE: this agent's secret key file (saturn keygen). Same as --set curveKey=...")
    var curveKey: String?

    @Option(help: "CURVE: allow-list directory (*.pub in workers/, routers/, peers/). Same as --set allowDirectory=...")
    var allow: String?

    @Flag(help: "Allow binding a non-loopback address without CURVE (logs a warning). Same as --set insecure=true")
    var insecure = false

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "Directory of the crash-safe state (accepted sets, update records), reloaded on start. Same as --set "
                + "stateDirectory=...", valueName: "DIR"))
    var stateDirectory: String?

    @Option(
        help: ArgumentHelp(
            "Model families a key may use, comma-separated, base included (base, kv, kvq; default all). "
                + "Cross-validation on each key's window chooses among them; 'base' alone turns the choice off. Same as "
                + "--set families='[\"base\",...]'", valueName: "LIST"))
    var families: String?

    @OptionGroup var logging: LoggingOptions

    /// The configuration: defaults, then the file, then `--set`, then the flags (each through
    /// ``AgentConfiguration/fields``).
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
                try c.apply(json: data)
            } catch {
                throw ValidationError("--config \(path): \(error)")
            }
        }
        var flags = assignments
        if let v = nodeID { flags.append("nodeID=" + Self.quoted(v)) }
        if let v = telemetry { flags.append("telemetryEndpoint=" + Self.quoted(v)) }
        if let v = query { flags.append("queryEndpoint=" + Self.quoted(v)) }
        if let v = broadcast { flags.append("broadcastEndpoint=" + Self.quoted(v)) }
        if let v = advertise { flags.append("advertisedQueryEndpoint=" + Self.quoted(v)) }
        if let v = metrics { flags.append("metrics=" + Self.quoted(v)) }
        if let v = families {
            let names = v.split(separator: ",").map { Self.quoted($0.trimmingCharacters(in: .whitespaces)) }
            flags.append("families=[" + names.joined(separator: ",") + "]")
        }

        if let v = curveKey { flags.append("curveKey=" + Self.quoted(v)) }
        if let v = allow { flags.append("allowDirectory=" + Self.quoted(v)) }
        if insecure { flags.append("insecure=true") }
        for assignment in flags {
            do {
                try c.set(assignment)
            } catch {
                throw ValidationError("\(assignment): \(error)")
            }
        }
        if !peers.isEmpty {
            c.peers = try peers.map { spec in
                guard let p = AgentConfiguration.Peer(spec: spec) else {
                    throw ValidationError("--peer takes BROADCAST[,QUERY[,SERVERKEY]], got '\(spec)'")
                }
                return p
            }
        }
        if !snapshotSources.isEmpty { c.snapshotSources = snapshotSources }
        if !forwarders.isEmpty { c.forwarders = forwarders }
        if let stateDirectory { c.stateDirectory = stateDirectory }
        if !forwardPassSources.isEmpty {
            c.forwardPassSources = try forwardPassSources.map { spec in
                do {
                    return try ForwardPassSource(spec: spec)
                } catch {
                    throw ValidationError("--fpm: \(error)")
                }
            }
        }
        let problems = c.problems
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
        return c
    }

    private static func quoted(_ s: String) -> String {
        String(decoding: (try? JSONEncoder().encode(s)) ?? Data(), as: UTF8.self)
    }

    func validate() throws { _ = try resolvedConfiguration() }

    func run() async throws {
        let configuration = try resolvedConfiguration()
        if printConfig {
            print(String(decoding: try configuration.json(), as: UTF8.self))
            return
        }
        let logger = logging.makeLogger(label: "saturn.agent")
        // A registry of this agent's own (not the process-wide default), through the swift-metrics API.
        let export = configuration.metrics.map { _ in PrometheusExport() }
        let agent = try Agent(configuration: configuration, logger: logger, metricsFactory: export?.factory)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: agent)]
        var server: MetricsServer?
        if let export, let spec = configuration.metrics, let address = HostPort(spec: spec) {
            let s = MetricsServer(address: address) { [agent] in export.page(for: agent) }
            services.append(.init(service: s))
            server = s
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await Self.run(group) { [server] in
            let e = try await agent.endpoints()
            var line = "saturn agent \(configuration.nodeID) ready: telemetry \(e.telemetry) query \(e.query) broadcast \(e.broadcast)"
            if let server { line += " metrics http://\(try await server.boundAddress())/metrics" }
            print(line)
            fflush(nil)
        }
    }

    /// Runs `group`, calling `ready` once its service has bound; any failure becomes a one-line ``CLIError``.
    static func run(_ group: ServiceGroup, ready: @escaping @Sendable () async throws -> Void) async throws {
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask { try await ready() }
                try await tasks.waitForAll()
            }
        } catch let e as AgentError {
            throw CLIError(e.description)
        } catch let e as MetricsServer.Failure {
            throw CLIError(e.description)
        }
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
        let forwarder = Forwarder(frontend: frontend, backend: backend, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: forwarder)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await AgentCommand.run(group) {
            let e = try await forwarder.endpoints()
            print("saturn forwarder ready: frontend \(e.frontend) backend \(e.backend)")
            fflush(nil)
        }
    }
}
