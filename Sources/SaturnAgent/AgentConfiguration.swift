import Foundation
import SaturnModel

/// Everything an agent needs to run. Every field has a default that works on one machine with no flags; a JSON
/// file with any subset of these keys (the property names) can be given to `saturn agent --config`, and flags
/// override it.
public struct AgentConfiguration: Sendable, Codable, Equatable {
    /// A peer agent: the endpoint of its broadcast PUB, and optionally of its query ROUTER (for snapshots).
    public struct Peer: Sendable, Codable, Equatable {
        public var broadcast: String
        public var query: String?

        public init(broadcast: String, query: String? = nil) {
            self.broadcast = broadcast
            self.query = query
        }

        /// Parses `BROADCAST[,QUERY]`.
        public init?(spec: String) {
            let parts = spec.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(parts.count), !parts[0].isEmpty else { return nil }
            broadcast = parts[0]
            query = parts.count == 2 && !parts[1].isEmpty ? parts[1] : nil
        }
    }

    /// This node's id in broadcasts. Default: `<hostname>-<pid>`.
    public var nodeID: String
    /// Telemetry SUB bind endpoint. Default `tcp://127.0.0.1:5555`.
    public var telemetryEndpoint: String
    /// Query ROUTER bind endpoint. Default `tcp://127.0.0.1:5556`.
    public var queryEndpoint: String
    /// Broadcast PUB bind endpoint. Default `tcp://127.0.0.1:5557`.
    public var broadcastEndpoint: String
    /// The query endpoint peers should use to reach this node (put in broadcasts). Default: the bound one.
    public var advertisedQueryEndpoint: String?
    /// Peers to subscribe to (directly, or a forwarder's XPUB with no query endpoint).
    public var peers: [Peer]
    /// Extra query endpoints asked for a snapshot on start (e.g. peers behind a forwarder).
    public var snapshotSources: [String]
    /// Forwarder XSUB endpoints the broadcast PUB also connects to (`saturn forwarder`).
    public var forwarders: [String]
    /// Observations kept per key (ring buffer). Default 10,000.
    public var windowSize: Int
    /// Most recent observations a fit uses. Default 5,000.
    public var fitWindow: Int
    /// New observations per key that trigger a fit. Default 100.
    public var fitEvery: Int
    /// A key with fewer own observations than this is not fitted locally and follows peers' broadcasts.
    /// Default 64.
    public var minimumObservations: Int
    /// A key with new observations is refitted after this many idle seconds even below ``fitEvery``. Default 1.
    public var idleFitSeconds: Double
    /// Minimum seconds between two fits of one key (bounds the update rate). Default 0.2.
    public var minimumFitIntervalSeconds: Double
    /// Largest accepted message payload in bytes. Default 65,536.
    public var maximumMessageBytes: Int
    /// Largest number of (model, hardware) keys. Default 1,024.
    public var maximumKeys: Int
    /// Sustained telemetry messages per second per worker (token bucket). Default 50,000.
    public var workerRateLimit: Double
    /// Burst size of the per-worker token bucket. Default 100,000.
    public var workerBurst: Double
    /// Relative errors kept per key for the accuracy figures. Default 1,000.
    public var accuracyWindow: Int
    /// Fit objective: `relative` (default) or `sse`.
    public var loss: String
    /// SUB receive high-water mark (messages). Default 100,000.
    public var receiveHighWaterMark: Int32
    /// Seconds between snapshot retries to a peer that has not answered. Default 2.
    public var snapshotRetrySeconds: Double

    public init() {
        nodeID = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        telemetryEndpoint = "tcp://127.0.0.1:5555"
        queryEndpoint = "tcp://127.0.0.1:5556"
        broadcastEndpoint = "tcp://127.0.0.1:5557"
        advertisedQueryEndpoint = nil
        peers = []
        snapshotSources = []
        forwarders = []
        windowSize = 10_000
        fitWindow = 5_000
        fitEvery = 100
        minimumObservations = 64
        idleFitSeconds = 1
        minimumFitIntervalSeconds = 0.2
        maximumMessageBytes = 65_536
        maximumKeys = 1_024
        workerRateLimit = 50_000
        workerBurst = 100_000
        accuracyWindow = 1_000
        loss = "relative"
        receiveHighWaterMark = 100_000
        snapshotRetrySeconds = 2
    }

    /// Defaults with every endpoint on 127.0.0.1 at a port chosen by the system (tests, demos, benchmarks).
    public static func ephemeralLoopback(nodeID: String) -> AgentConfiguration {
        var c = AgentConfiguration()
        c.nodeID = nodeID
        c.telemetryEndpoint = "tcp://127.0.0.1:*"
        c.queryEndpoint = "tcp://127.0.0.1:*"
        c.broadcastEndpoint = "tcp://127.0.0.1:*"
        return c
    }

    /// Decodes a JSON configuration; missing keys keep their defaults.
    public init(json: Data) throws {
        self.init()
        let decoded = try JSONDecoder().decode(Partial.self, from: json)
        decoded.apply(to: &self)
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
        if minimumObservations < LatencyFitter.minimumRows { p.append("minimumObservations must be >= \(LatencyFitter.minimumRows)") }
        if !(idleFitSeconds > 0) || !(minimumFitIntervalSeconds >= 0) { p.append("fit intervals must be positive") }
        if maximumMessageBytes < 256 || maximumMessageBytes > 16 << 20 { p.append("maximumMessageBytes must be in 256...16 MiB") }
        if maximumKeys < 1 { p.append("maximumKeys must be >= 1") }
        if !(workerRateLimit > 0) || !(workerBurst >= 1) { p.append("workerRateLimit and workerBurst must be positive") }
        if accuracyWindow < 1 { p.append("accuracyWindow must be >= 1") }
        if loss != "relative" && loss != "sse" { p.append("loss must be relative or sse") }
        if receiveHighWaterMark < 0 { p.append("receiveHighWaterMark must be >= 0") }
        if !(snapshotRetrySeconds > 0) { p.append("snapshotRetrySeconds must be positive") }
        for e in [telemetryEndpoint, queryEndpoint, broadcastEndpoint] + peers.map(\.broadcast)
            + peers.compactMap(\.query) + snapshotSources + forwarders where !e.contains("://")
        {
            p.append("endpoint '\(e)' must look like tcp://host:port, ipc://path or inproc://name")
        }
        return p
    }

    /// The fit objective.
    public var objective: FitConfiguration.Objective { loss == "sse" ? .sumOfSquares : .relative }

    /// Same fields, all optional (for JSON files that set a few).
    struct Partial: Decodable {
        var nodeID: String?
        var telemetryEndpoint: String?
        var queryEndpoint: String?
        var broadcastEndpoint: String?
        var advertisedQueryEndpoint: String?
        var peers: [Peer]?
        var snapshotSources: [String]?
        var forwarders: [String]?
        var windowSize: Int?
        var fitWindow: Int?
        var fitEvery: Int?
        var minimumObservations: Int?
        var idleFitSeconds: Double?
        var minimumFitIntervalSeconds: Double?
        var maximumMessageBytes: Int?
        var maximumKeys: Int?
        var workerRateLimit: Double?
        var workerBurst: Double?
        var accuracyWindow: Int?
        var loss: String?
        var receiveHighWaterMark: Int32?
        var snapshotRetrySeconds: Double?

        func apply(to c: inout AgentConfiguration) {
            if let v = nodeID { c.nodeID = v }
            if let v = telemetryEndpoint { c.telemetryEndpoint = v }
            if let v = queryEndpoint { c.queryEndpoint = v }
            if let v = broadcastEndpoint { c.broadcastEndpoint = v }
            if let v = advertisedQueryEndpoint { c.advertisedQueryEndpoint = v }
            if let v = peers { c.peers = v }
            if let v = snapshotSources { c.snapshotSources = v }
            if let v = forwarders { c.forwarders = v }
            if let v = windowSize { c.windowSize = v }
            if let v = fitWindow { c.fitWindow = v }
            if let v = fitEvery { c.fitEvery = v }
            if let v = minimumObservations { c.minimumObservations = v }
            if let v = idleFitSeconds { c.idleFitSeconds = v }
            if let v = minimumFitIntervalSeconds { c.minimumFitIntervalSeconds = v }
            if let v = maximumMessageBytes { c.maximumMessageBytes = v }
            if let v = maximumKeys { c.maximumKeys = v }
            if let v = workerRateLimit { c.workerRateLimit = v }
            if let v = workerBurst { c.workerBurst = v }
            if let v = accuracyWindow { c.accuracyWindow = v }
            if let v = loss { c.loss = v }
            if let v = receiveHighWaterMark { c.receiveHighWaterMark = v }
            if let v = snapshotRetrySeconds { c.snapshotRetrySeconds = v }
        }
    }
}
