import Foundation
import Logging
import Metrics
import Prometheus
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnNumerics
import SaturnTestKit
import SaturnWire
import Testing

/// ``AgentMetrics`` through a Prometheus registry per agent: two agents in one process keep apart, counters
/// follow ``AgentStatistics`` exactly (a scrape never counts twice), histograms and per-key gauges appear.
@Suite(.timeLimit(.minutes(2)))
struct AgentMetricsTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Sample lines `name{labels} value` of a scrape, by `name{labels}`.
    static func samples(_ registry: PrometheusCollectorRegistry) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in registry.emitToString().split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = v
        }
        return samples
    }

    @Test func eachAgentCountsIntoItsOwnRegistry() async throws {
        let (registryA, registryB) = (PrometheusCollectorRegistry(), PrometheusCollectorRegistry())
        var c = AgentConfiguration.ephemeralLoopback(nodeID: "m-a")
        c.idleFitInterval = .milliseconds(200)
        let a = try Agent(
            configuration: c, logger: Self.logger, metricsFactory: PrometheusMetricsFactory(registry: registryA))
        let b = try Agent(
            configuration: .ephemeralLoopback(nodeID: "m-b"), logger: Self.logger,
            metricsFactory: PrometheusMetricsFactory(registry: registryB))
        let key = ModelKey(model: "synthetic-7b", hardware: "cpu")
        try await b.withRunning { _ in
            try await a.withRunning { e in
                let worker = try Worker(endpoint: e.telemetry, workerID: "w", key: key)
                defer { worker.close() }
                #expect(try worker.waitUntilConnected())
                let router = try Router(endpoint: e.query, timeout: .seconds(3))
                defer { router.close() }
                let truth = LatencyParameters(
                    pMax: 100, kB: 0.06, kS: 0.003, w0: 8, w1: 0.8, tau0: 4, tauB: 0.04, tauS: 0.0015)
                var rng = SplitMix64(seed: 3)
                for _ in 0..<300 {
                    let (bs, s) = (Int(1 + rng.next() % 64), Int(1 + rng.next() % 2048))
                    try worker.publish(
                        batchSize: bs, tokens: s, latencyMs: truth.latency(batchSize: Double(bs), tokens: Double(s)))
                }
                try worker.publish(batchSize: 0, tokens: 1, latencyMs: 1)  // dropped: non_positive
                #expect(try eventually { try router.health().telemetryAccepted == 300 })
                #expect(eventually(.seconds(20)) { a.statistics.updatesAccepted.values.reduce(0, +) >= 1 })
                for _ in 0..<5 { _ = try router.predict(key, batchSize: 8, tokens: 64) }
                #expect(throws: ClientError.self) { try router.predict(key, batchSize: .nan, tokens: 1) }
                #expect(eventually { a.statistics.telemetryDrops[.nonPositive] == 1 })
            }
            a.updateMetrics()
            a.updateMetrics()  // twice: counters are brought up to the statistics, never incremented again
            b.updateMetrics()
        }
        let s = Self.samples(registryA)
        let stats = a.statistics
        #expect(s["saturn_telemetry_accepted_total"] == 300)
        #expect(s[#"saturn_messages_dropped_total{channel="telemetry",reason="non_positive"}"#] == 1)
        #expect(s[#"saturn_messages_dropped_total{channel="broadcast",reason="stale"}"#] == 0)
        #expect(s[#"saturn_queries_total{kind="predict"}"#] == 6)
        #expect(s[#"saturn_queries_total{kind="health"}"#] == Double(stats.queries[.health] ?? 0))
        #expect(s[#"saturn_query_errors_total{code="invalid_argument"}"#] == 1)
        #expect(s[#"saturn_query_duration_seconds_count{kind="predict"}"#] == 6)
        let accepted = Double(stats.updatesAccepted.values.reduce(0, +))
        let rejected = Double(stats.updatesRejected.values.reduce(0, +))
        let counted = UpdatePath.allCases.map {
            (s["saturn_updates_total{path=\"\($0.rawValue)\",result=\"accepted\"}"] ?? -1,
             s["saturn_updates_total{path=\"\($0.rawValue)\",result=\"rejected\"}"] ?? -1)
        }
        #expect(counted.map(\.0).reduce(0, +) == accepted && accepted >= 1)
        #expect(counted.map(\.1).reduce(0, +) == rejected)
        let updateCount = UpdatePath.allCases.compactMap {
            s["saturn_update_duration_seconds_count{path=\"\($0.rawValue)\"}"]
        }.reduce(0, +)
        #expect(updateCount == accepted + rejected)
        let labels = #"{model="synthetic-7b",hardware="cpu"}"#
        #expect(s["saturn_key_observations" + labels] == 300)
        #expect((s["saturn_key_parameter_version" + labels] ?? 0) >= 1)
        #expect(s["saturn_key_recent_mean_relative_error" + labels] != nil)
        #expect([0, 1].contains(s["saturn_key_degraded" + labels]))  // 1 when the health reply says degraded

        let sb = Self.samples(registryB)
        #expect(sb["saturn_telemetry_accepted_total"] == 0)
        #expect(sb[#"saturn_queries_total{kind="predict"}"#] == 0)
        #expect(sb.keys.allSatisfy { !$0.hasPrefix("saturn_key_") })
    }
}
