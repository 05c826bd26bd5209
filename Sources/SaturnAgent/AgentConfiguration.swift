import Foundation
import SaturnModel
import SaturnWire

/// Everything an agent needs to run. Every field has a default that works on one machine with no flags.
///
/// A JSON file (`saturn agent --config FILE`) may set any subset of the fields by their property names, with
/// durations in seconds (`"idleFitSeconds": 0.5`) and the loss by name (`"loss": "relative"`); `saturn agent
/// --set NAME=VALUE` sets one field the same way, and the few flags of `saturn agent` are shorthands for it.
/// The names, and how each is read and written, are defined once, in ``fields``.
public struct AgentConfiguration: Sendable, Equatable {
    /// A peer agent: the endpoint of its broadcast PUB, and optionally of its query ROUTER (for snapshots).
    public struct Peer: Sendable, Codable, Equatable {
        public var broadcast: String
        public var query: String?
        /// With CURVE: the path of the peer's public key file (`NAME.pub`), the server key of its broadcast and
        /// query sockets. Default: this agent's own public key (a fleet sharing one server key pair).
        public var serverKey: String?

        public init(broadcast: String, query: String? = nil, serverKey: String? = nil) {
            self.broadcast = broadcast
            self.query = query
            self.serverKey = serverKey
        }

        /// Parses `BROADCAST[,QUERY[,SERVERKEY]]` (SERVERKEY: the path of the peer's `.pub` file).
        public init?(spec: String) {
            let parts = spec.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard (1...3).contains(parts.count), !parts[0].isEmpty else { return nil }
            broadcast = parts[0]
            query = parts.count >= 2 && !parts[1].isEmpty ? parts[1] : nil
            serverKey = parts.count == 3 && !parts[2].isEmpty ? parts[2] : nil
        }
    }

    /// This node's id in broadcasts. Default: `<hostname>-<pid>`.
    public var nodeID = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    /// Telemetry SUB bind endpoint.
    public var telemetryEndpoint = "tcp://127.0.0.1:5555"
    /// Query ROUTER bind endpoint.
    public var queryEndpoint = "tcp://127.0.0.1:5556"
    /// Broadcast PUB bind endpoint.
    public var broadcastEndpoint = "tcp://127.0.0.1:5557"
    /// The query endpoint peers should use to reach this node (put in broadcasts). Default: the bound one.
    public var advertisedQueryEndpoint: String? = nil
    /// Peers to subscribe to (directly, or a forwarder's XPUB with no query endpoint).
    public var peers: [Peer] = []
    /// Extra query endpoints asked for a snapshot on start (e.g. peers behind a forwarder).
    public var snapshotSources: [String] = []
    /// Forwarder XSUB endpoints the broadcast PUB also connects to (`saturn forwarder`).
    public var forwarders: [String] = []
    /// Engines' Forward Pass Metrics publishers to connect to, each with the key its steps belong to (JSON
    /// `"fpm"`: an array of `ENDPOINT=MODEL@HARDWARE` strings; `saturn agent --fpm`).
    public var forwardPassSources: [ForwardPassSource] = []
    /// Where `saturn agent` serves `GET /metrics` (Prometheus text format): `HOST:PORT`, `[IPV6]:PORT` or a bare
    /// `PORT` (127.0.0.1), see ``HostPort``. Default: nil, no metrics endpoint.
    public var metrics: String? = nil
    /// CURVE: the path of this agent's secret key file (`saturn keygen NAME` writes `NAME.key`, mode 0600). Set
    /// together with ``allowDirectory``, it turns CURVE on for the telemetry, query and broadcast sockets (and the
    /// peer connections).
    public var curveKey: String? = nil
    /// CURVE: the allow-list directory, `*.pub` files in `workers/`, `routers/` and `peers/` (re-read on change).
    public var allowDirectory: String? = nil
    /// Allows binding a non-loopback address without CURVE (logged as a warning).
    public var insecure = false
    /// Which adaptation paths run (DESIGN section 4).
    public enum AdaptationPaths: String, Sendable, Codable, CaseIterable {
        /// Momentum-gradient updates, and full refits on cold start, drift, a high error rate or a failing updater.
        case both
        /// Momentum-gradient updates only (also where a refit would run).
        case updater
        /// Full refits only (also where an update would run).
        case refit
    }

    /// Observations kept per key (ring buffer).
    public var windowSize = 10_000
    /// Most recent observations a fit uses.
    public var fitWindow = 5_000
    /// New observations per key that trigger an update.
    public var fitEvery = 100
    /// Which adaptation paths run.
    public var adaptationPaths: AdaptationPaths = .both
    /// New observations at which a key with fewer than ``minimumObservations`` own observations is looked at for a
    /// cold-start update (at least 16: a candidate trains on 8 rows or more and holds a fifth out).
    public var coldStartEvery = 20
    /// Recent mean relative error above which a key is refitted (and reported degraded).
    public var errorTrigger = 0.15
    /// Significance level of the drift test (two-sample KS, recent residuals against historical ones).
    public var driftSignificance = 0.05
    /// Recent observations the drift and degradation tests compare with the older ones in the window.
    public var driftRecentObservations = 1_000
    /// Consecutive rejected updater candidates after which a full refit runs.
    public var updaterFailureLimit = 3
    /// A key with fewer own observations than this takes peers' sets; its cold-start updates refit it (while it
    /// answers from a prior or a peer's set) or step the updater.
    public var minimumObservations = 64
    /// A key with new observations gets an updater step after this much quiet, even below ``fitEvery``.
    public var idleFitInterval: Duration = .seconds(1)
    /// Minimum time between two fits of one key (bounds the update rate).
    public var minimumFitInterval: Duration = .milliseconds(200)
    /// Largest accepted message payload in bytes.
    public var maximumMessageBytes = 65_536
    /// Largest number of (model, hardware) keys.
    public var maximumKeys = 1_024
    /// Largest number of distinct telemetry workers remembered (rate limits and duplicate checks).
    public var maximumWorkers = 65_536
    /// Sustained telemetry messages per second per worker (token bucket).
    public var workerRateLimit = 50_000.0
    /// Burst size of the per-worker token bucket.
    public var workerBurst = 100_000.0
    /// Relative errors kept per key for the accuracy figures.
    public var accuracyWindow = 1_000
    /// Fit objective: `relative` or `sse`.
    public var loss: FitConfiguration.Objective = .relative
    /// Model families a key may use, `base` included (``ModelFamily``): grouped cross-validation on the key's window
    /// chooses among them (``FamilySelection``), a richer one only when it wins out of sample. `[base]` turns the
    /// choice off.
    public var families: [ModelFamily] = ModelFamily.allCases
    /// New observations of a key between two choices of family (the first runs once the key has
    /// ``familySelectionRows`` usable rows whose steps report `K` or `Q`).
    public var familySelectionEvery = 2_000
    /// Rows of the window the choice cross-validates (one drawn from each equal stretch; at least 100).
    public var familySelectionRows = 400
    /// How much lower (absolute, a fraction) a richer family's cross-validated mean relative error must be, besides
    /// one standard error of the per-fold differences, for the agent to choose it: 0.005 (half a point; offline
    /// `saturn eval --cv` uses 0.001). A live key pays for a switch with a refit and a new set for its peers, and a
    /// sample of a few hundred steps is noisier than a whole table.
    public var familyMargin = 0.005
    /// The robust gate (``OutlierRejection``) in robust standard deviations of the relative residuals: rows beyond
    /// it are kept out of training and validation and counted per key. 0 turns the gate off.
    public var rejectionThreshold = 5.0
    /// SUB receive high-water mark (messages).
    public var receiveHighWaterMark: Int32 = 100_000
    /// Time between snapshot retries to a peer that has not answered.
    public var snapshotRetryInterval: Duration = .seconds(2)
    /// Snapshot requests sent to a silent peer before giving up.
    public var snapshotAttempts = 30
    /// Directory of the crash-safe state file (`agent-state.bin`), reloaded on start; nil: nothing is kept.
    public var stateDirectory: String? = nil
    /// Time between two heartbeats on the broadcast socket; peers take an origin as silent after 3 of them.
    public var heartbeatInterval: Duration = .seconds(1)

    /// The defaults.
    public init() {}

    /// Defaults with every endpoint on 127.0.0.1 at a port chosen by the system (tests, demos, benchmarks).
    public static func ephemeralLoopback(nodeID: String) -> AgentConfiguration {
        var c = AgentConfiguration()
        c.nodeID = nodeID
        c.telemetryEndpoint = "tcp://127.0.0.1:*"
        c.queryEndpoint = "tcp://127.0.0.1:*"
        c.broadcastEndpoint = "tcp://127.0.0.1:*"
        return c
    }

    /// True for endpoints only this machine can reach: `ipc://`, `inproc://`, and tcp on 127.0.0.0/8, `[::1]` or
    /// `localhost`.
    public static func isLoopback(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        let address = endpoint.dropFirst("tcp://".count)
        // A `source;destination` endpoint binds the part after the semicolon.
        let bound = address.split(separator: ";").last ?? ""
        let host = bound.lastIndex(of: ":").map { bound[..<$0] } ?? bound
        return host.hasPrefix("127.") || host == "[::1]" || host == "localhost"
    }

    /// Problems that make the configuration unusable, as one-line messages (empty when valid).
    public var problems: [String] {
        var p: [String] = []
        if nodeID.isEmpty || nodeID.utf8.count > 128 { p.append("nodeID must be 1...128 bytes") }
        if windowSize < 16 { p.append("windowSize must be >= 16") }
        if fitWindow < LatencyFitter.minimumRows || fitWindow > windowSize {
            p.append("fitWindow must be in \(LatencyFitter.minimumRows)...windowSize")
        }
        if fitEvery < 1 { p.append("fitEvery must be >= 1") }
        if coldStartEvery < 2 * LatencyFitter.minimumRows {
            p.append("coldStartEvery must be >= \(2 * LatencyFitter.minimumRows) (a candidate needs that many rows)")
        }
        if !(errorTrigger > 0) { p.append("errorTrigger must be positive") }
        if !families.contains(.base) { p.append("families must include base") }
        if familySelectionEvery < 1 { p.append("familySelectionEvery must be at least 1") }
        if familySelectionRows < 100 { p.append("familySelectionRows must be at least 100") }
        if !(familyMargin >= 0 && familyMargin < 1) { p.append("familyMargin must be in [0, 1)") }
        if !(rejectionThreshold >= 0 && rejectionThreshold.isFinite) {
            p.append("rejectionThreshold must be finite and >= 0 (0: no gate)")
        }
        if !(driftSignificance > 0 && driftSignificance < 1) { p.append("driftSignificance must be in (0, 1)") }
        if driftRecentObservations < 50 || driftRecentObservations >= windowSize {
            p.append("driftRecentObservations must be in 50..<windowSize")
        }
        if updaterFailureLimit < 1 { p.append("updaterFailureLimit must be >= 1") }
        if minimumObservations < LatencyFitter.minimumRows {
            p.append("minimumObservations must be >= \(LatencyFitter.minimumRows)")
        }
        if idleFitInterval <= .zero { p.append("idleFitSeconds must be positive") }
        if minimumFitInterval < .zero { p.append("minimumFitIntervalSeconds must be >= 0") }
        if maximumMessageBytes < 256 || maximumMessageBytes > 16 << 20 {
            p.append("maximumMessageBytes must be in 256...16 MiB")
        }
        if maximumKeys < 1 { p.append("maximumKeys must be >= 1") }
        if maximumWorkers < 1 { p.append("maximumWorkers must be >= 1") }
        if !(workerRateLimit > 0) || !(workerBurst >= 1) { p.append("workerRateLimit and workerBurst must be positive") }
        if accuracyWindow < 1 { p.append("accuracyWindow must be >= 1") }
        if case .exponentiallyWeighted = loss { p.append("loss must be relative or sse") }
        if receiveHighWaterMark < 0 { p.append("receiveHighWaterMark must be >= 0") }
        if snapshotRetryInterval <= .zero { p.append("snapshotRetrySeconds must be positive") }
        if snapshotAttempts < 1 { p.append("snapshotAttempts must be >= 1") }
        if let m = metrics, HostPort(spec: m) == nil {
            p.append("metrics must be PORT, HOST:PORT or [IPV6]:PORT with a port in 0...65535, got '\(m)'")
        }
        if stateDirectory?.isEmpty == true { p.append("stateDirectory must not be empty") }
        if heartbeatInterval < .milliseconds(10) || heartbeatInterval > .seconds(3600) {
            p.append("heartbeatSeconds must be in 0.01...3600")
        }
        for e in [telemetryEndpoint, queryEndpoint, broadcastEndpoint] + peers.map(\.broadcast)
            + peers.compactMap(\.query) + snapshotSources + forwarders + forwardPassSources.map(\.endpoint)
        where !e.contains("://") {
            p.append("endpoint '\(e)' must look like tcp://host:port, ipc://path or inproc://name")
        }
        if (curveKey == nil) != (allowDirectory == nil) { p.append("curveKey and allowDirectory go together") }
        if curveKey != nil && !forwarders.isEmpty {
            p.append("forwarders do not authenticate: use direct peers with curveKey")
        }
        if curveKey == nil && !insecure {
            for e in [telemetryEndpoint, queryEndpoint, broadcastEndpoint] where !Self.isLoopback(e) {
                p.append("binding \(e) (not loopback) needs curveKey and allowDirectory, or insecure")
            }
        }
        var fpmEndpoints = Set<String>()
        for s in forwardPassSources {
            if !fpmEndpoints.insert(s.endpoint).inserted { p.append("fpm endpoint '\(s.endpoint)' is given twice") }
            if !WireLimits.isValidName(s.key.model) || !WireLimits.isValidName(s.key.hardware) {
                p.append("fpm source '\(s)': model and hardware must be 1...\(WireLimits.maximumStringBytes) bytes")
            }
        }
        return p
    }
}
