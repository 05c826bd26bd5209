import Locking
import Metrics
import SaturnModel
import SaturnWire

/// An agent's metrics, through the swift-metrics API and the factory the agent was given (one per agent, so that
/// many agents in one process keep apart; the executable passes a Prometheus factory over a registry of its own).
///
/// Two ways in, to keep the socket thread's hot path as it was:
/// - **counters and per-key gauges** are copied from the agent's state when an exporter asks
///   (``Agent/updateMetrics()``, before each scrape): ``AgentStatistics`` stays the one place events are counted
///   (what the health reply shows), and a message costs no more than before;
/// - **histograms** (query service time, update time) are recorded as each event ends (one clock read and one
///   record per query on the socket thread; per update on the adaptation thread).
///
/// Every name has the `saturn_` prefix; counters end in `_total`, durations in `_seconds` (base units). Each name
/// has one label set (``descriptions`` lists them, with their help text).
public final class AgentMetrics: Sendable {
    /// Help text of every metric the agent exports, by name (what a Prometheus exporter puts on `# HELP` lines).
    public static let descriptions: [String: String] = [
        Name.telemetryAccepted: "Telemetry steps recorded.",
        Name.dropped: "Messages dropped instead of used, by channel (telemetry, broadcast, fpm) and reason.",
        Name.queries: "Queries replied to (answer or error), by request kind (unknown: the request could not be read).",
        Name.queryErrors: "Queries answered with an error, by error code.",
        Name.updates:
            "Update candidates by path (updater: incremental step, refit: full fit) and result (accepted, rejected).",
        Name.updatesPublished: "Parameter sets this node broadcast.",
        Name.peerAdoptions: "Peers' parameter sets installed for keys with too few observations of their own.",
        Name.snapshotsRequested: "Snapshot requests started to peers (each retried until answered or given up).",
        Name.heartbeats: "Heartbeats on the broadcast bus, by direction (published; received: valid, from others).",
        Name.heartbeatGaps: "Peers' heartbeats showing updates this node missed (a snapshot was requested).",
        Name.peerSilences: "Times a peer went 3 of its heartbeat intervals without a message.",
        Name.stateWrites: "Writes of the state file (--state-dir), by result (ok, failed).",
        Name.authenticationDenials: "Connection attempts the CURVE authentication refused, by socket and reason.",
        Name.queryDuration: "Query service time, from the received frames to the encoded reply, by request kind.",
        Name.updateDuration: "Time to produce, validate and install or reject one update candidate, by path.",
        Name.recentMeanRelativeError: "Mean relative error of the key's recent predictions.",
        Name.recentP95RelativeError: "95th percentile of the key's recent relative errors (last update check).",
        Name.parameterVersion: "Version of the key's current parameter set (0: a prior).",
        Name.observations: "Telemetry steps recorded for the key.",
        Name.parameterDriftRate: "Mean relative change of the key's predictions at its last accepted update.",
        Name.updateFailureRate: "Failed update candidates over the key's recent ones.",
        Name.degradationAlert: "1 when the key's recent relative errors are significantly above its older ones.",
        Name.drift: "1 when the key's recent residuals differ from its older ones (KS test).",
        Name.degraded: "1 when the key's health status is degraded (any health threshold broken).",
        Name.rejectedObservations:
            "Observations of the key the robust gate kept out of its fits (each counted once; see the health reply).",
        Name.modelFamilyTerms: "Terms the key's installed model family adds to the base model (0 base, 1 kv, 2 kvq).",
    ]

    /// The exported names.
    public enum Name {
        public static let telemetryAccepted = "saturn_telemetry_accepted_total"
        public static let dropped = "saturn_messages_dropped_total"
        public static let queries = "saturn_queries_total"
        public static let queryErrors = "saturn_query_errors_total"
        public static let updates = "saturn_updates_total"
        public static let updatesPublished = "saturn_updates_published_total"
        public static let peerAdoptions = "saturn_peer_adoptions_total"
        public static let snapshotsRequested = "saturn_snapshots_requested_total"
        public static let heartbeats = "saturn_heartbeats_total"
        public static let heartbeatGaps = "saturn_heartbeat_gaps_total"
        public static let peerSilences = "saturn_peer_silences_total"
        public static let stateWrites = "saturn_state_writes_total"
        public static let authenticationDenials = "saturn_authentication_denials_total"
        public static let queryDuration = "saturn_query_duration_seconds"
        public static let updateDuration = "saturn_update_duration_seconds"
        public static let recentMeanRelativeError = "saturn_key_recent_mean_relative_error"
        public static let recentP95RelativeError = "saturn_key_recent_p95_relative_error"
        public static let parameterVersion = "saturn_key_parameter_version"
        public static let observations = "saturn_key_observations"
        public static let parameterDriftRate = "saturn_key_parameter_drift_rate"
        public static let updateFailureRate = "saturn_key_update_failure_rate"
        public static let degradationAlert = "saturn_key_degradation_alert"
        public static let drift = "saturn_key_drift"
        public static let degraded = "saturn_key_degraded"
        public static let rejectedObservations = "saturn_key_rejected_observations"
        public static let modelFamilyTerms = "saturn_key_model_family_terms"
    }

    private let factory: any MetricsFactory
    /// One timer per query kind, indexed like ``QueryKind/allCases`` (the socket thread records without a lookup).
    private let queryTimers: [Timer]
    private let updateTimers: [UpdatePath: Timer]
    /// Counters and what they were last brought up to; per-key gauges. Taken by the exporter only.
    private let synced = Locked(Synced())

    private struct Synced: Sendable {
        var counters: [String: (counter: Counter, value: UInt64)] = [:]
        var keyGauges: [ModelKey: [String: Gauge]] = [:]
    }

    private static let kindIndex: [QueryKind: Int] = Dictionary(
        uniqueKeysWithValues: QueryKind.allCases.enumerated().map { ($0.element, $0.offset) })

    /// Creates every instrument with `factory` (counters at zero, so that each series exists from the start).
    public init(factory: any MetricsFactory) {
        self.factory = factory
        queryTimers = QueryKind.allCases.map {
            Timer(label: Name.queryDuration, dimensions: [("kind", $0.rawValue)], factory: factory)
        }
        updateTimers = Dictionary(
            uniqueKeysWithValues: UpdatePath.allCases.map {
                ($0, Timer(label: Name.updateDuration, dimensions: [("path", $0.rawValue)], factory: factory))
            })
        update(from: AgentStatistics(), keys: [])
    }

    /// Records one query's service time (socket thread).
    func recordQuery(_ kind: QueryKind, duration: Duration) {
        queryTimers[Self.kindIndex[kind]!].recordNanoseconds(duration.nanoseconds)
    }

    /// Records one update candidate's time (adaptation thread).
    func recordUpdate(_ path: UpdatePath, duration: Duration) {
        updateTimers[path]?.recordNanoseconds(duration.nanoseconds)
    }

    /// Brings the counters up to `statistics` and sets the per-key gauges from `keys` (the health reply's keys).
    /// - Parameter authenticates: whether the agent runs CURVE (its refusal counters are exported only then).
    func update(from statistics: AgentStatistics, keys: [HealthReport.Key], authenticates: Bool = false) {
        let s = statistics
        var totals: [(String, [(String, String)], UInt64)] = [
            (Name.telemetryAccepted, [], s.telemetryAccepted),
            (Name.updatesPublished, [], s.updatesPublished),
            (Name.peerAdoptions, [], s.updatesAdopted),
            (Name.snapshotsRequested, [], s.snapshotsRequested),
            (Name.heartbeats, [("direction", "published")], s.peerLiveness.heartbeatsPublished),
            (Name.heartbeats, [("direction", "received")], s.peerLiveness.heartbeatsReceived),
            (Name.heartbeatGaps, [], s.peerLiveness.heartbeatGaps),
            (Name.peerSilences, [], s.peerLiveness.silences),
            (Name.stateWrites, [("result", "ok")], s.state.writes),
            (Name.stateWrites, [("result", "failed")], s.state.writeFailures),
        ]
        // Forward Pass Metrics drops only on agents that subscribe to FPM publishers.
        let channels = DropReason.Channel.allCases.filter { $0 != .fpm || !s.forwardPassSources.isEmpty }
        for channel in channels {
            let drops: [DropReason: UInt64] =
                switch channel {
                case .telemetry: s.telemetryDrops
                case .broadcast: s.broadcastDrops
                case .fpm: s.forwardPassDrops
                }
            for reason in DropReason.allCases {
                totals.append((Name.dropped, [("channel", channel.rawValue), ("reason", reason.rawValue)], drops[reason] ?? 0))
            }
        }
        // CURVE refusals only on agents that authenticate.
        if authenticates {
            for socket in AuthenticationDenial.Socket.allCases {
                for reason in AuthenticationDenial.Reason.allCases {
                    let n = s.authenticationDenials[AuthenticationDenial(socket: socket, reason: reason)] ?? 0
                    totals.append((Name.authenticationDenials, [("socket", socket.rawValue), ("reason", reason.rawValue)], n))
                }
            }
        }
        for kind in QueryKind.allCases {
            totals.append((Name.queries, [("kind", kind.rawValue)], s.queries[kind] ?? 0))
        }
        for code in QueryError.Code.allCases {
            totals.append((Name.queryErrors, [("code", code.description)], s.queryErrors[code] ?? 0))
        }
        for path in UpdatePath.allCases {
            totals.append(
                (Name.updates, [("path", path.rawValue), ("result", "accepted")], s.updatesAccepted[path] ?? 0))
            totals.append(
                (Name.updates, [("path", path.rawValue), ("result", "rejected")], s.updatesRejected[path] ?? 0))
        }
        let factory = self.factory
        synced.withLock { synced in
            for (name, labels, total) in totals {
                let id = Self.seriesID(name, labels)
                var entry =
                    synced.counters[id] ?? (Counter(label: name, dimensions: labels, factory: factory), 0)
                if total > entry.value {
                    entry.counter.increment(by: Int64(clamping: total - entry.value))
                    entry.value = total
                }
                synced.counters[id] = entry
            }
            for k in keys {
                let values: [(String, Double)] = [
                    (Name.recentMeanRelativeError, k.recentMeanRelativeError),
                    (Name.recentP95RelativeError, k.recentP95RelativeError),
                    (Name.parameterVersion, Double(k.version)),
                    (Name.observations, Double(k.observations)),
                    (Name.parameterDriftRate, k.parameterDriftRate),
                    (Name.updateFailureRate, k.updateFailureRate),
                    (Name.degradationAlert, k.degradationAlert ? 1 : 0),
                    (Name.drift, k.drift ? 1 : 0),
                    (Name.degraded, k.status == "ok" ? 0 : 1),
                    (Name.rejectedObservations, Double(k.rejectedObservations)),
                    (Name.modelFamilyTerms, Double(k.family.terms.count)),
                ]
                let labels = [("model", k.key.model), ("hardware", k.key.hardware)]
                var gauges = synced.keyGauges[k.key] ?? [:]
                for (name, value) in values {
                    let gauge = gauges[name] ?? Gauge(label: name, dimensions: labels, factory: factory)
                    gauges[name] = gauge
                    gauge.record(value)
                }
                synced.keyGauges[k.key] = gauges
            }
        }
    }

    private static func seriesID(_ name: String, _ labels: [(String, String)]) -> String {
        labels.reduce(name) { $0 + "|" + $1.0 + "=" + $1.1 }
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : ns.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
