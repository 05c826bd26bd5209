import Metrics
import Prometheus
import SaturnAgent

/// One agent's Prometheus export: a collector registry of its own (never the process-wide default, so that
/// several agents in one process keep apart), the swift-metrics factory the agent records through, and the page
/// `GET /metrics` serves.
///
/// ```swift
/// let export = PrometheusExport()
/// let agent = try Agent(configuration: c, logger: logger, metricsFactory: export.factory)
/// let page: [UInt8] = export.page(for: agent)    // Prometheus text format 0.0.4
/// ```
struct PrometheusExport: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// Histogram buckets by metric name. Query service time is tens of microseconds on loopback and a decision
    /// query a few milliseconds; an update takes about 1-10 ms, a refit up to a second.
    static let durationBuckets: [String: [Duration]] = [
        AgentMetrics.Name.queryDuration: [
            .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
            .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(100),
        ],
        AgentMetrics.Name.updateDuration: [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10),
        ],
    ]

    /// The factory to give the agent.
    var factory: any MetricsFactory {
        DescribedPrometheusFactory(
            registry: registry, help: AgentMetrics.descriptions, durationBuckets: Self.durationBuckets)
    }

    /// The scrape: brings `agent`'s counters and gauges up to date, then renders the registry.
    func page(for agent: Agent) -> [UInt8] {
        agent.updateMetrics()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        registry.emit(into: &buffer)
        return buffer
    }
}
