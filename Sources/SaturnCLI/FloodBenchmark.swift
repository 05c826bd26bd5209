import Foundation
import Logging
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnWire

/// `saturn bench-bus --measure flood`: predict round trips on one agent with and without a telemetry flood, in
/// alternating runs, and the process's resident memory after each flood.
///
/// The agent limits each worker to ``rateLimit`` steps/s (burst ``rateLimit``); the flood comes from ``floodWorkers``
/// workers publishing preserialised steps as fast as one raw C PUB socket can send them, at least 10x that limit
/// each (the measured rate is printed, and a run below 10x fails). What is beyond a worker's budget is dropped and
/// counted (`telemetry.rate_limited`); what is beyond the socket's high-water mark is dropped by ZeroMQ.
enum FloodBenchmark {
    /// Steps per second each worker may publish on the flooded agent.
    static let rateLimit = 1_000.0
    /// Workers in the flood.
    static let floodWorkers = 4

    static func run(repeats: Int, roundTrips: Int) async throws {
        var config = AgentConfiguration.ephemeralLoopback(nodeID: "bench-flood")
        config.workerRateLimit = rateLimit
        config.workerBurst = rateLimit
        let agent = try Agent(
            configuration: config, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await agent.withRunning { endpoints in
            try measure(agent: agent, endpoints: endpoints, repeats: repeats, roundTrips: roundTrips)
        }
    }

    static func measure(agent: Agent, endpoints: BoundEndpoints, repeats: Int, roundTrips: Int) throws {
        print("flood: load average at start \(BenchBusCommand.loadAverage)")
        let key = ModelKey(model: "llama2-70b", hardware: "bench-flood")
        // Enough steps that the flood outlasts the round trips of a run.
        let flood = try PreserializedTelemetry(count: 1_500_000, workers: floodWorkers, key: key)
        let request = Saturn_V1_Request.predict(key, batchSize: 32, tokens: 512, requestID: 1).wireBytes()
        var quiet: [RawRequester.Run] = []
        var flooded: [RawRequester.Run] = []
        var perWorker: [Double] = []
        var rss: [Double] = [residentMegabytes()]
        for _ in 0..<repeats {
            quiet.append(try RawRequester.run(endpoint: endpoints.query, request: request, warmUp: 1000, count: roundTrips))

            let before = agent.statistics
            let started = ContinuousClock.now
            let sending = flood.startSending(to: endpoints.telemetry)
            Thread.sleep(forTimeInterval: 0.7)  // the sender's slow-joiner pause, then the flood is on
            flooded.append(try RawRequester.run(endpoint: endpoints.query, request: request, warmUp: 1000, count: roundTrips))
            let after = agent.statistics
            let seconds = (ContinuousClock.now - started).inSeconds - 0.5
            sending.finish()
            let received = Double(after.telemetryAccepted - before.telemetryAccepted)
                + Double(after.telemetryDrops.values.reduce(0, +) - before.telemetryDrops.values.reduce(0, +))
            perWorker.append(received / seconds / Double(floodWorkers))
            rss.append(residentMegabytes())
        }
        let s = agent.statistics
        func p(_ runs: [RawRequester.Run], _ f: (RawRequester.Run) -> Double) -> Double { median(runs.map(f)) }
        print("predict round trip without / with a telemetry flood from \(floodWorkers) workers (limit "
            + "\(Int(rateLimit)) steps/s each; medians of \(repeats) alternating runs, \(roundTrips) trips each):")
        print(String(format: "  no flood   p50 %6.1f us  p99 %6.1f us", p(quiet, \.median), p(quiet, \.p99)))
        print(String(format: "  flood      p50 %6.1f us  p99 %6.1f us  (worst run p99 %.1f us; target p99 < 1000 us)",
                     p(flooded, \.median), p(flooded, \.p99), flooded.map(\.p99).max() ?? .nan))
        let offered = median(perWorker)
        print(String(format: "  flood received by the agent: %.0f steps/s per worker = %.1fx the limit (median of runs; "
                     + "what ZeroMQ dropped at the high-water mark is not counted)", offered, offered / rateLimit))
        print("  accepted \(s.telemetryAccepted), dropped by reason \(s.drops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        print("  resident memory of the process (MB): " + rss.map { String(format: "%.1f", $0) }.joined(separator: ", ")
            + " (start, then after each flood)")
        guard offered >= 10 * rateLimit else {
            throw CLIError(String(format: "the flood reached only %.1fx the per-worker limit (needs 10x)", offered / rateLimit))
        }
    }

    /// VmRSS of this process from /proc/self/status, in MB (NaN where unavailable).
    static func residentMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return .nan }
        return kb / 1024
    }
}
