import ArgumentParser
import Foundation
import Locking
import Logging
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnNumerics
import SaturnWire
import Synchronization
import ZMQ

/// `saturn bench-bus`: the agent on loopback tcp against raw libzmq (plain C-API loops, ``RawBaseline``), side
/// by side in one run, alternating, medians reported with every run.
///
/// - Ingest: one raw C PUB sender (HWM 0) sends the same pre-serialised `StepTelemetry` list
///   (``PreserializedTelemetry``) to a raw C SUB (HWM 0) and to the agent (receive HWM 0). The rate is taken
///   between the 10% and 90% marks of the messages, from a count sampled every 0.5 ms: the raw receiver's own
///   count, and the agent's `telemetryAccepted` from ``Agent/statistics`` (the counter its health reply shows).
/// - Round trip: one raw C REQ client sends the same predict request bytes to the agent and to a raw C REP echo
///   that answers with the agent's own predict reply bytes (so the reply has the same size).
/// - Decisions: admission (64 waiting) and allocation (8 tenants x 64) round trips against predict in the same
///   run (``DecisionBenchmark``).
/// - Scrape: predict round trips against an agent with `--metrics` (its own Prometheus registry and HTTP server,
///   16 keys, telemetry at 2,000 steps/s with its updates), with and without a concurrent scraper hitting `/metrics`
///   (``MetricsScraper``, 10 Hz by default), alternating in the same run.
struct BenchBusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-bus",
        abstract: "Benchmark telemetry ingest, predict round trips and concurrent queries against raw libzmq.",
        discussion: """
            Build with -c release for meaningful numbers. Everything runs in this process on 127.0.0.1 tcp; each \
            side has its own threads and contexts. Raw and agent runs alternate; medians are reported with all runs.
            """)

    @Option(help: "Telemetry messages per ingest run (all serialised before timing).")
    var messages = 1_000_000

    @Option(help: "Distinct worker ids in the ingest runs (repeat the option for several configurations).")
    var workers: [Int] = [1, 256]

    @Option(help: "Timed round trips per latency run (after 1,000 warm-up).")
    var roundTrips = 20_000

    @Option(help: "Alternating raw/agent runs of each measurement (medians are reported).")
    var repeats = 5

    @Option(help: "Concurrent DEALER clients for the throughput run (0 skips it).")
    var clients = 4

    @Option(help: "Seconds of the concurrent-clients run.")
    var seconds = 2.0

    @Flag(help: "Keep one core busy with a spin thread during the measurement.")
    var busyCore = false

    /// The parts of the benchmark.
    enum Part: String, CaseIterable, ExpressibleByArgument {
        case ingest, roundTrip = "round-trip", queries, updates, decisions, scrape, flood
    }

    @Option(help: "Scrapes per second of /metrics in the scrape measurement.")
    var scrapeRate = 10.0

    @Option(help: "What to measure (repeat the option; default: every part).")
    var measure: [Part] = Part.allCases

    @Flag(help: "Skip the raw runs (e.g. to profile the agent alone).")
    var agentOnly = false

    func validate() throws {
        guard messages >= 10_000, roundTrips >= 100, (0...64).contains(clients), seconds > 0,
            (1...20).contains(repeats), !workers.isEmpty, workers.allSatisfy({ (1...65_536).contains($0) }),
            scrapeRate > 0, scrapeRate <= 1_000
        else {
            throw ValidationError(
                "--messages >= 10000, --round-trips >= 100, --clients 0...64, --seconds > 0, --repeats 1...20, "
                    + "--workers 1...65536, --scrape-rate in (0, 1000]")
        }
    }

    func run() async throws {
        #if DEBUG
            print("note: debug build; run `swift build -c release` and .build/release/saturn bench-bus")
        #endif
        var config = AgentConfiguration.ephemeralLoopback(nodeID: "bench")
        // The per-worker budget (default 50,000 msg/s) would cap the measurement: lift it for the benchmark.
        config.workerRateLimit = 1e12
        config.workerBurst = 1e12
        config.receiveHighWaterMark = 0
        config.fitEvery = 1_000_000_000  // measure ingest, not fitting
        let agent = try Agent(
            configuration: config, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        if measure.contains(.flood) {
            try await FloodBenchmark.run(repeats: repeats, roundTrips: roundTrips)
        }
        if !Set(measure).subtracting([.scrape, .flood]).isEmpty {
            try await agent.withRunning { endpoints in try measure(agent: agent, endpoints: endpoints) }
        }
        if measure.contains(.scrape) {
            // An agent as `saturn agent --metrics 0` runs it: a registry of its own and the HTTP Service.
            let export = PrometheusExport()
            let scraped = try Agent(
                configuration: .ephemeralLoopback(nodeID: "bench-scrape"),
                logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }),
                metricsFactory: export.factory)
            let server = MetricsServer(address: HostPort(host: "127.0.0.1", port: 0)) { export.page(for: scraped) }
            try await scraped.withRunning { endpoints in
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await server.run() }
                    let address = try await server.boundAddress()
                    guard let port = HostPort(spec: address)?.port else { throw CLIError("bad bound address \(address)") }
                    try measureScrape(endpoints: endpoints, metricsPort: port)
                    tasks.cancelAll()
                    try await tasks.waitForAll()
                }
            }
        }
        if measure.contains(.updates) {
            // Two agents, identical but for adaptation: one updates its key back to back (every 10 observations, no
            // minimum interval), the other never updates. Both get the same telemetry stream in their runs, so the
            // comparison isolates the updates from the ingest of the stream that drives them.
            var c = AgentConfiguration.ephemeralLoopback(nodeID: "bench-updates")
            c.fitEvery = 10
            c.coldStartEvery = 16
            c.minimumFitInterval = .zero
            var still = AgentConfiguration.ephemeralLoopback(nodeID: "bench-no-updates")
            still.fitEvery = 1_000_000_000
            still.coldStartEvery = 1_000_000_000
            still.idleFitInterval = .seconds(1_000_000)
            let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
            let updating = try Agent(configuration: c, logger: quiet)
            let notUpdating = try Agent(configuration: still, logger: quiet)
            try await updating.withRunning { endpoints in
                try await notUpdating.withRunning { stillEndpoints in
                    try measureUpdates(endpoints: endpoints, withoutUpdates: stillEndpoints)
                }
            }
        }
    }

    /// Predict round trips, alternating three runs per repetition: an idle agent (no telemetry), an agent ingesting
    /// the key's telemetry at 2,000 steps/s with its updates off, and an agent ingesting the same stream that updates
    /// the key back to back (an update every 10 observations). The target compares the last two (updates on against
    /// off, the same stream in both); the idle figure shows what ingesting the stream costs by itself.
    func measureUpdates(endpoints: BoundEndpoints, withoutUpdates still: BoundEndpoints) throws {
        let busy = busyCore ? BusyCore() : nil
        defer { busy?.stop() }
        let key = ModelKey(model: "llama2-70b", hardware: "bench-updates")
        let table = try StepCSV.parse(String(contentsOfFile: Self.updatesTable, encoding: .utf8))
        let rows = RowFilter().apply(to: table).kept.observations
        var rng = SplitMix64(seed: 7)
        func warm(_ endpoint: String) throws {
            let worker = try Worker(endpoint: endpoint, workerID: "bench-warm-up", key: key)
            defer { worker.close() }
            guard try worker.waitUntilConnected() else { throw CLIError("the update benchmark's worker did not connect") }
            for _ in 0..<2_000 {
                let r = rows[Int(rng.next() % UInt64(rows.count))]
                let noise = 1 + 0.02 * (Double(rng.next() % 2001) / 1000 - 1)
                try worker.publish(batchSize: Int(r.batchSize), tokens: Int(r.tokens), latencyMs: r.latencyMs * noise)
            }
        }
        let router = try Router(endpoint: endpoints.query, timeout: .seconds(5))
        defer { router.close() }
        let stillRouter = try Router(endpoint: still.query, timeout: .seconds(5))
        defer { stillRouter.close() }
        try warm(endpoints.telemetry)
        try warm(still.telemetry)
        _ = eventuallyTrue { (try? router.updateHistory(key).contains(where: \.accepted)) == true }
        _ = eventuallyTrue {
            (try? stillRouter.health().keys.first { $0.key == key }?.observations ?? 0 >= 2_000) == true
        }
        let request = Saturn_V1_Request.predict(key, batchSize: 32, tokens: 512, requestID: 1).wireBytes()
        var idle: [RawRequester.Run] = []
        var off: [RawRequester.Run] = []
        var on: [RawRequester.Run] = []
        var updatesPerSecond: [Double] = []
        func updates(_ r: Router) throws -> UInt64 {
            try r.health().keys.first { $0.key == key }.map { $0.fitsAccepted + $0.fitsRejected } ?? 0
        }
        for _ in 0..<repeats {
            idle.append(try RawRequester.run(endpoint: endpoints.query, request: request, warmUp: 1000, count: roundTrips))

            let stillBefore = try updates(stillRouter)
            let stillLoad = UpdateLoad(endpoint: still.telemetry, key: key, rows: rows, rate: 2_000)
            off.append(try RawRequester.run(endpoint: still.query, request: request, warmUp: 1000, count: roundTrips))
            stillLoad.stop()
            guard try updates(stillRouter) == stillBefore else {
                throw CLIError("the agent without updates updated its key: the benchmark's configuration is wrong")
            }

            let before = try updates(router)
            let load = UpdateLoad(endpoint: endpoints.telemetry, key: key, rows: rows, rate: 2_000)
            let started = ContinuousClock.now
            on.append(try RawRequester.run(endpoint: endpoints.query, request: request, warmUp: 1000, count: roundTrips))
            let seconds = (ContinuousClock.now - started).inSeconds
            load.stop()
            updatesPerSecond.append(Double(try updates(router) - before) / seconds)
            // The next runs start once the updates already due have finished (no new one in 100 ms), so that they
            // do not measure their tail.
            var last = try updates(router)
            while true {
                Thread.sleep(forTimeInterval: 0.1)
                let now = try updates(router)
                if now == last { break }
                last = now
            }
        }
        func p(_ runs: [RawRequester.Run], _ f: (RawRequester.Run) -> Double) -> Double { median(runs.map(f)) }
        print("predict round trip, idle / ingesting 2,000 steps/s with updates off / the same with updates running back "
            + "to back (medians of \(repeats) alternating runs, \(roundTrips) trips each):")
        print(String(format: "  idle (no telemetry)      p50 %6.1f us  p99 %6.1f us", p(idle, \.median), p(idle, \.p99)))
        print(String(format: "  telemetry, updates off   p50 %6.1f us  p99 %6.1f us", p(off, \.median), p(off, \.p99)))
        print(String(format: "  telemetry, updates on    p50 %6.1f us  p99 %6.1f us  (%.0f updates/s)",
                     p(on, \.median), p(on, \.p99), median(updatesPerSecond)))
        print(String(format: "  ratio updates on/off p50 %.2f, p99 %.2f (target p99 <= 1.2); on/idle p99 %.2f",
                     p(on, \.median) / p(off, \.median), p(on, \.p99) / p(off, \.p99), p(on, \.p99) / p(idle, \.p99)))
        // Each "on" run against the "off" run just before it: on a shared machine whose load changes over seconds,
        // the median of the pairs' ratios is less sensitive to it than the ratio of the medians.
        let pairs = zip(on, off).map { $0.p99 / $1.p99 }.sorted()
        print(String(format: "  p99 ratio of each on run to the off run before it: median %.2f (range %.2f-%.2f)",
                     median(pairs), pairs.first ?? .nan, pairs.last ?? .nan))
    }

    /// Predict round trips with and without a scraper on `/metrics`, alternating in each repetition, while the key
    /// gets telemetry at 2,000 steps/s (so its updates run too) and 15 more keys have per-key gauges to render.
    func measureScrape(endpoints: BoundEndpoints, metricsPort: Int) throws {
        let busy = busyCore ? BusyCore() : nil
        defer { busy?.stop() }
        print("scrape: load average at start \(Self.loadAverage)")
        let key = ModelKey(model: "llama2-70b", hardware: "bench-scrape")
        let table = try StepCSV.parse(String(contentsOfFile: Self.updatesTable, encoding: .utf8))
        let rows = RowFilter().apply(to: table).kept.observations
        var rng = SplitMix64(seed: 5)
        let keys = [key] + (1..<16).map { ModelKey(model: "llama2-70b", hardware: "bench-scrape-\($0)") }
        for k in keys {
            let worker = try Worker(endpoint: endpoints.telemetry, workerID: "bench-warm-\(k.hardware)", key: k)
            defer { worker.close() }
            guard try worker.waitUntilConnected() else { throw CLIError("the scrape benchmark's worker did not connect") }
            for _ in 0..<500 {
                let r = rows[Int(rng.next() % UInt64(rows.count))]
                try worker.publish(batchSize: Int(r.batchSize), tokens: Int(r.tokens), latencyMs: r.latencyMs)
            }
        }
        let router = try Router(endpoint: endpoints.query, timeout: .seconds(5))
        defer { router.close() }
        _ = eventuallyTrue { (try? router.health().keys.filter { $0.observations >= 500 }.count) == keys.count }
        let first = MetricsScraper.scrape(port: metricsPort)
        guard first.ok else { throw CLIError("GET /metrics on port \(metricsPort) failed") }
        let request = Saturn_V1_Request.predict(key, batchSize: 32, tokens: 512, requestID: 1).wireBytes()
        let load = UpdateLoad(endpoint: endpoints.telemetry, key: key, rows: rows, rate: 2_000)
        var without: [RawRequester.Run] = []
        var with: [RawRequester.Run] = []
        var scrapes: [MetricsScraper.Scrape] = []
        let interval = Duration.seconds(1 / scrapeRate)
        for _ in 0..<repeats {
            without.append(try RawRequester.run(endpoint: endpoints.query, request: request, warmUp: 1000, count: roundTrips))
            let scraper = MetricsScraper(port: metricsPort, interval: interval)
            with.append(try RawRequester.run(endpoint: endpoints.query, request: request, warmUp: 1000, count: roundTrips))
            scrapes += scraper.stop()
        }
        load.stop()
        let failed = scrapes.filter { !$0.ok }.count
        let times = scrapes.filter(\.ok).map { $0.seconds * 1e6 }.sorted()
        func p(_ runs: [RawRequester.Run], _ f: (RawRequester.Run) -> Double) -> Double { median(runs.map(f)) }
        func list(_ xs: [Double]) -> String { xs.map { String(format: "%.1f", $0) }.joined(separator: ", ") }
        print("predict round trip while the key ingests 2,000 steps/s (updates on), without / with a scraper on "
            + "/metrics at \(String(format: "%g", scrapeRate)) Hz (medians of \(repeats) alternating runs, "
            + "\(roundTrips) trips each; page of \(first.bytes) bytes with \(keys.count) keys):")
        print(String(format: "  no scraper     p50 %6.1f us  p99 %6.1f us", p(without, \.median), p(without, \.p99))
            + "  (p99 runs \(list(without.map(\.p99))))")
        print(String(format: "  scraper        p50 %6.1f us  p99 %6.1f us", p(with, \.median), p(with, \.p99))
            + "  (p99 runs \(list(with.map(\.p99))))")
        let pairs = zip(with, without).map { $0.p99 / $1.p99 }.sorted()
        print(String(format: "  ratio with/without p50 %.2f, p99 %.2f; p99 ratio of each scraped run to the one before "
            + "it: median %.2f (range %.2f-%.2f)", p(with, \.median) / p(without, \.median),
            p(with, \.p99) / p(without, \.p99), median(pairs), pairs.first ?? .nan, pairs.last ?? .nan))
        if !times.isEmpty {
            print(String(format: "  %d scrapes (%d failed): p50 %.0f us, p99 %.0f us, max %.0f us (connect to close)",
                scrapes.count, failed, times[times.count / 2], times[min(times.count - 1, Int(Double(times.count) * 0.99))],
                times.last!))
        }
        print("scrape: load average at end \(Self.loadAverage)")
    }

    /// The real table the update benchmark streams.
    static let updatesTable = "data/steps_splitwise_llama2-70b_h100-80gb_tp4.csv"

    private func eventuallyTrue(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    func measure(agent: Agent, endpoints: BoundEndpoints) throws {
        let busy = busyCore ? BusyCore() : nil
        defer { busy?.stop() }
        print("bench-bus: loopback tcp, one process, \(ProcessInfo.processInfo.activeProcessorCount) CPUs, "
            + (busyCore ? "one core kept busy by a spin thread" : "no spin thread (quiet unless the machine is loaded)")
            + "; load average at start \(Self.loadAverage)")
        defer { print("load average at end \(Self.loadAverage)") }
        let key = ModelKey(model: "llama-2-7b", hardware: "H100-80GB")
        if measure.contains(.ingest) {
            for w in workers { try measureIngest(agent: agent, endpoint: endpoints.telemetry, key: key, workers: w) }
        }
        if measure.contains(.roundTrip) {
            // The predicted key must have observations, as in a running fleet (a key without any is answered from
            // a prior chosen per query, a different and much slower path).
            if agent.statistics.telemetryAccepted == 0 {
                let steps = try PreserializedTelemetry(count: 10_000, workers: 1, key: key)
                _ = try Self.agentIngestRate(agent: agent, endpoint: endpoints.telemetry, steps: steps)
            }
            try measureRoundTrips(endpoint: endpoints.query, key: key)
        }
        if measure.contains(.decisions) {
            if agent.statistics.telemetryAccepted == 0 {
                let steps = try PreserializedTelemetry(count: 10_000, workers: 1, key: key)
                _ = try Self.agentIngestRate(agent: agent, endpoint: endpoints.telemetry, steps: steps)
            }
            let reply = try RawRequester.run(
                endpoint: endpoints.query, request: Saturn_V1_Request.predict(key, batchSize: 1, tokens: 1).wireBytes(),
                warmUp: 0, count: 1
            ).reply
            guard case .predict(let p)? = Saturn_V1_Reply(wireBytes: reply)?.body else {
                throw CLIError("the agent's reply to a predict request is not a prediction")
            }
            try DecisionBenchmark.measure(
                endpoint: endpoints.query, key: key, parameters: LatencyParameters(p.parameters), repeats: repeats,
                roundTrips: roundTrips)
        }
        if measure.contains(.queries) && clients > 0 {
            let request = Saturn_V1_Request.predict(key, batchSize: 32, tokens: 512, requestID: 1).wireBytes()
            let qps = try Self.concurrentQueries(
                endpoint: endpoints.query, payload: request, clients: clients, seconds: seconds)
            print(String(format: "queries: %.0f predict/s with %d concurrent DEALER clients (8 in flight each, %.1f s)",
                         qps, clients, seconds))
        }
    }

    /// The 1, 5 and 15-minute load averages (`/proc/loadavg`), to tell a quiet machine from a loaded one.
    static var loadAverage: String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    // MARK: - Ingest

    func measureIngest(agent: Agent, endpoint: String, key: ModelKey, workers: Int) throws {
        let steps = try PreserializedTelemetry(count: messages, workers: workers, key: key)
        print("ingest: \(messages) messages [topic \"step\", StepTelemetry of \(steps.sizes.lowerBound)..."
            + "\(steps.sizes.upperBound) bytes (mean \(String(format: "%.1f", steps.meanSize)))] from \(workers) "
            + "worker id\(workers == 1 ? "" : "s") over one C PUB socket; HWM 0 both sides; rate between the 10% and "
            + "90% marks")
        var raws: [Double] = []
        var agents: [Double] = []
        let dropsBefore = agent.statistics.telemetryDrops
        for _ in 0..<repeats {
            if !agentOnly { raws.append(try Self.rawIngestRate(steps)) }
            agents.append(try Self.agentIngestRate(agent: agent, endpoint: endpoint, steps: steps))
        }
        let drops = agent.statistics.telemetryDrops.filter { $0.value != dropsBefore[$0.key] }
        func list(_ xs: [Double]) -> String { xs.map { String(format: "%.0f", $0) }.joined(separator: ", ") }
        func line(_ name: String, _ rates: [Double]) {
            print("  \(name)" + String(format: "%9.0f", median(rates)) + " msg/s  (median of \(repeats); runs \(list(rates)))")
        }
        if !agentOnly { line("raw C SUB  ", raws) }
        line("agent      ", agents)
        if !agentOnly {
            print(String(format: "  ratio agent/raw %.2f (target >= 0.5)", median(agents) / median(raws))
                + "; agent count from Agent.statistics.telemetryAccepted")
        }
        if !drops.isEmpty { print("  agent drops during these runs: \(drops)") }
    }

    /// One raw run: a C SUB on its own thread counts what the C PUB sends.
    static func rawIngestRate(_ steps: PreserializedTelemetry) throws -> Double {
        let context = try RawContext()
        defer { context.terminate() }
        let received = MessageCount()
        let endpoint = Handoff<Result<String, CLIError>>()
        let receiverDone = DispatchSemaphore(value: 0)
        let receiver = Thread {
            defer { receiverDone.signal() }
            RawSubscriber.run(context, expected: steps.count, endpoint: endpoint, received: received)
        }
        receiver.name = "bench-raw-sub"
        receiver.start()
        let sending = steps.startSending(to: try endpoint.take().get())
        defer { sending.finish() }
        let rate = try sampleRate(expected: steps.count) { received.value.load(ordering: .relaxed) }
        receiverDone.wait()
        return rate
    }

    /// One agent run: the same sender, the agent's accepted counter sampled.
    static func agentIngestRate(agent: Agent, endpoint: String, steps: PreserializedTelemetry) throws -> Double {
        let start = agent.statistics.telemetryAccepted
        let sending = steps.startSending(to: endpoint)
        defer { sending.finish() }
        return try sampleRate(expected: steps.count) { Int(agent.statistics.telemetryAccepted - start) }
    }

    /// Samples `count` every 0.5 ms until `expected` (or no progress) and returns the rate between the
    /// first samples at or above the 10% and the 90% marks (counts as sampled, not the marks themselves).
    static func sampleRate(expected: Int, count: () -> Int) throws -> Double {
        let clock = ContinuousClock()
        var low: (ContinuousClock.Instant, Int)? = nil
        var high: (ContinuousClock.Instant, Int)? = nil
        var last = (clock.now, 0)
        while true {
            let n = count()
            let t = clock.now
            if n != last.1 { last = (t, n) }
            if low == nil, n >= expected / 10 { low = (t, n) }
            if high == nil, n >= expected * 9 / 10 { high = (t, n) }
            // Give up after 10 s without progress (20 s before the first message: slow joiner, valgrind).
            if n >= expected || t - last.0 > (n == 0 ? .seconds(20) : .seconds(10)) { break }
            usleep(500)
        }
        if last.1 < expected { print("  (received \(last.1) of \(expected) messages)") }
        guard let (t0, n0) = low, let (t1, n1) = high, n1 > n0 else {
            throw CLIError("too few messages arrived to measure a rate (\(last.1) of \(expected))")
        }
        return Double(n1 - n0) / (t1 - t0).inSeconds
    }

    // MARK: - Round trips

    func measureRoundTrips(endpoint: String, key: ModelKey) throws {
        let request = Saturn_V1_Request.predict(key, batchSize: 32, tokens: 512, requestID: 1).wireBytes()
        // The echo answers with the agent's own reply bytes.
        let reply = try RawRequester.run(endpoint: endpoint, request: request, warmUp: 10, count: 1).reply
        guard case .predict? = Saturn_V1_Reply(wireBytes: reply)?.body else {
            throw CLIError("the agent's reply to the benchmark request is not a prediction")
        }
        let echo = try RawEchoServer(reply: reply)
        defer { echo.stop() }
        var raws: [RawRequester.Run] = []
        var agents: [RawRequester.Run] = []
        for _ in 0..<repeats {
            if !agentOnly {
                raws.append(
                    try RawRequester.run(endpoint: echo.endpoint, request: request, warmUp: 1000, count: roundTrips))
            }
            agents.append(try RawRequester.run(endpoint: endpoint, request: request, warmUp: 1000, count: roundTrips))
        }
        print("predict round trip: one C REQ client, request \(request.count) bytes, reply \(reply.count) bytes "
            + "(the echo sends the agent's reply bytes), \(roundTrips) timed trips per run after 1,000 warm-up")
        func line(_ name: String, _ runs: [RawRequester.Run]) {
            let p50 = runs.map(\.median)
            let p99 = runs.map(\.p99)
            func list(_ xs: [Double]) -> String { xs.map { String(format: "%.1f", $0) }.joined(separator: ", ") }
            print("  \(name) " + String(format: "p50 %6.1f us  p99 %6.1f us", median(p50), median(p99))
                + "  (medians of \(runs.count); p50 runs \(list(p50)); p99 runs \(list(p99)))")
        }
        if !agentOnly { line("raw C REP echo", raws) }
        line("agent         ", agents)
        if !agentOnly {
            print(String(format: "  ratio agent/raw p50 %.2f (target <= 1.3), p99 %.2f",
                         median(agents.map(\.median)) / median(raws.map(\.median)),
                         median(agents.map(\.p99)) / median(raws.map(\.p99))))
        }
    }

    static func concurrentQueries(endpoint: String, payload: [UInt8], clients: Int, seconds duration: Double) throws
        -> Double
    {
        let total = Locked<Int>(0)
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<clients {
            let t = Thread {
                defer { done.signal() }
                guard let c = try? Context() else { return }
                defer { c.terminate() }
                do {
                    let dealer = try Socket(c, .dealer)
                    defer { dealer.close() }
                    try dealer.connect(endpoint)
                    let stop = ContinuousClock.now + .milliseconds(Int(duration * 1000))
                    var inFlight = 0
                    var answered = 0
                    var poller = Poller([dealer])
                    while ContinuousClock.now < stop {
                        while inFlight < 8 {
                            try dealer.send([[], payload])
                            inFlight += 1
                        }
                        if try poller.poll(timeout: 100)[0] {
                            while try dealer.receive(wait: false) != nil {
                                inFlight -= 1
                                answered += 1
                            }
                        }
                    }
                    total.withLock { $0 += answered }
                } catch {}
            }
            t.start()
        }
        for _ in 0..<clients { done.wait() }
        return Double(total.withLock { $0 }) / duration
    }
}

/// The median (mean of the two middle values for an even count).
func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// A thread that publishes steps of one key at a fixed rate until ``stop()`` (its worker socket is its own), so that
/// the agent keeps updating that key.
///
/// Steps go out in bursts of `burst` every `burst / rate` seconds (10 ms at the defaults), as they arrive from many
/// workers, rather than one per sleep: the generator shares the agent's 2 cores here (in a deployment the workers run
/// elsewhere), and 2,000 wake-ups a second of its own thread and its socket's I/O thread competed with the client
/// and the socket thread for CPU in the "updates on" arm only.
final class UpdateLoad: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(endpoint: String, key: ModelKey, rows: [StepObservation], rate: Double, burst: Int = 20) {
        let thread = Thread { [self] in
            defer { finished.signal() }
            guard let worker = try? Worker(endpoint: endpoint, workerID: "bench-update-load", key: key) else { return }
            defer { worker.close() }
            var rng = SplitMix64(seed: 11)
            let begin = ContinuousClock.now
            var sent = 0
            while !stopping.load(ordering: .relaxed) {
                for _ in 0..<burst {
                    let r = rows[Int(rng.next() % UInt64(rows.count))]
                    _ = try? worker.publish(batchSize: Int(r.batchSize), tokens: Int(r.tokens), latencyMs: r.latencyMs)
                }
                sent += burst
                let due = Double(sent) / rate
                let elapsed = (ContinuousClock.now - begin).inSeconds
                if due > elapsed { Thread.sleep(forTimeInterval: due - elapsed) }
            }
        }
        thread.name = "bench-update-load"
        thread.start()
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
    }
}

/// One value handed from one thread to another.
final class Handoff<Value: Sendable>: Sendable {
    private let value = Locked<Value?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func put(_ v: Value) {
        value.withLock { $0 = v }
        ready.signal()
    }

    /// Waits for ``put(_:)``.
    func take() -> Value {
        ready.wait()
        return value.withLock { $0! }
    }
}
