import ArgumentParser
import Foundation
import Logging
import SaturnAgent
import SaturnModel
import SaturnWire
import SwiftProtobuf
import Synchronization
import ZMQ

/// `saturn bench-bus`: the agent on loopback tcp against raw libzmq, side by side in one run.
struct BenchBusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-bus",
        abstract: "Benchmark telemetry ingest, predict round trips and concurrent queries against raw libzmq.",
        discussion: "Build with -c release for meaningful numbers. Everything runs on 127.0.0.1 tcp.")

    @Option(help: "Telemetry messages per ingest run.")
    var messages = 200_000

    @Option(help: "Timed round trips per latency run (after 1,000 warm-up).")
    var roundTrips = 20_000

    @Option(help: "Concurrent DEALER clients for the throughput run.")
    var clients = 4

    @Option(help: "Seconds of the concurrent-clients run.")
    var seconds = 2.0

    @Option(help: "Alternating raw/agent ingest runs (medians are reported).")
    var repeats = 3

    func validate() throws {
        guard messages >= 1000, roundTrips >= 100, (1...64).contains(clients), seconds > 0, (1...20).contains(repeats)
        else {
            throw ValidationError(
                "--messages >= 1000, --round-trips >= 100, --clients 1...64, --seconds > 0, --repeats 1...20")
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
        let agent = try Agent(configuration: config, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await agent.withRunning { endpoints in try measure(agent: agent, endpoints: endpoints) }
    }

    func measure(agent: Agent, endpoints: BoundEndpoints) throws {

        // Telemetry payload: a realistic step message (same bytes for raw and agent runs).
        let key = ModelKey(model: "llama-2-7b", hardware: "H100-80GB")
        let m = Saturn_V1_StepTelemetry(
            workerID: "bench-worker-0", key: key, batchSize: 32, tokens: 512, latencyMs: 41.7, sequence: 0,
            timestampNs: 1_764_000_000_000_000_000)
        let stepBytes: [UInt8] = try m.serializedBytes()

        // 1. Ingest: alternate raw and agent runs (placement on the 2 vCPUs moves both by 2x between runs).
        var raws: [Double] = []
        var ingests: [Double] = []
        for _ in 0..<repeats {
            raws.append(try Self.rawPubSubRate(frames: [Topic.step, stepBytes], count: messages))
            ingests.append(try Self.agentIngestRate(agent: agent, endpoint: endpoints.telemetry, template: m, count: messages))
        }
        let raw = raws.sorted()[raws.count / 2]
        let ingest = ingests.sorted()[ingests.count / 2]
        print(String(format: "ingest: agent %.0f msg/s, raw libzmq PUB/SUB %.0f msg/s (medians of %d alternating runs, %d-byte payload + topic); ratio %.2f (target >= 0.5)",
                     ingest, raw, repeats, stepBytes.count, ingest / raw))
        print("  runs: raw " + raws.map { String(format: "%.0f", $0) }.joined(separator: ", ")
            + "; agent " + ingests.map { String(format: "%.0f", $0) }.joined(separator: ", "))

        // 2. Round trips.
        let request = Saturn_V1_Request.predict(key, batchSize: 32, tokens: 512, requestID: 1)
        let requestBytes: [UInt8] = try request.serializedBytes()
        let echo = try EchoServer(replySize: nil)
        defer { echo.stop() }
        // The echo server answers with a reply as large as the agent's predict reply.
        let sample = try Self.roundTrips(endpoint: endpoints.query, payload: requestBytes, count: 10)
        echo.replySize = sample.replyBytes
        let rawRTT = try Self.roundTrips(endpoint: echo.endpoint, payload: requestBytes, count: roundTrips)
        let agentRTT = try Self.roundTrips(endpoint: endpoints.query, payload: requestBytes, count: roundTrips)
        print(String(format: "predict round trip: agent median %.1f us p99 %.1f us; raw REQ/REP echo median %.1f us p99 %.1f us; median ratio %.2f (target <= 1.3)",
                     agentRTT.median, agentRTT.p99, rawRTT.median, rawRTT.p99, agentRTT.median / rawRTT.median))
        print("  (request \(requestBytes.count) bytes, reply \(sample.replyBytes) bytes, \(roundTrips) timed round trips each)")

        // 3. Concurrent DEALER clients.
        let qps = try Self.concurrentQueries(endpoint: endpoints.query, payload: requestBytes, clients: clients, seconds: seconds)
        print(String(format: "queries: %.0f predict/s with %d concurrent DEALER clients (8 in flight each, %.1f s)",
                     qps, clients, seconds))
        let stats = agent.statistics
        if !stats.drops.isEmpty { print("agent drops during the run: \(stats.drops)") }
    }

    // MARK: - Ingest

    static func rawPubSubRate(frames: [[UInt8]], count: Int) throws -> Double {
        let ctx = try Context()
        defer { ctx.terminate() }
        let sub = try Socket(ctx, .sub)
        defer { sub.close() }
        try sub.set(.receiveHighWaterMark, 0)
        try sub.subscribe()
        let endpoint = try sub.bind("tcp://127.0.0.1:*")
        let sender = Thread {
            guard let c = try? Context() else { return }
            do {
                let pub = try Socket(c, .pub, linger: -1)
                try pub.set(.sendHighWaterMark, 0)
                try pub.connect(endpoint)
                Thread.sleep(forTimeInterval: 0.5)  // slow joiner
                for _ in 0..<count { try pub.send(frames) }
                pub.close()
            } catch {}
            c.terminate()
        }
        sender.start()
        var first: ContinuousClock.Instant? = nil
        var last = ContinuousClock.now
        var received = 0
        try sub.set(.receiveTimeout, 5000)
        while received < count, try sub.receive() != nil {
            if first == nil { first = .now }
            received += 1
            last = .now
        }
        guard let f = first, received > 1 else { throw CLIError("raw PUB/SUB received nothing") }
        return Double(received - 1) / (last - f).inSeconds
    }

    static func agentIngestRate(agent: Agent, endpoint: String, template: Saturn_V1_StepTelemetry, count: Int) throws -> Double {
        let start = agent.statistics.telemetryAccepted
        let sender = Thread {
            guard let c = try? Context() else { return }
            do {
                let pub = try Socket(c, .pub, linger: -1)
                try pub.set(.sendHighWaterMark, 0)
                try pub.connect(endpoint)
                Thread.sleep(forTimeInterval: 0.5)
                var m = template
                for i in 0..<count {
                    m.sequence = UInt64(i + 1)  // distinct sequence numbers (no duplicate drops)
                    let bytes: [UInt8] = try m.serializedBytes()
                    try pub.send([Topic.step, bytes])
                }
                pub.close()
            } catch {}
            c.terminate()
        }
        sender.start()
        // Sample the accepted counter: rate between the first and the last change.
        var first: (ContinuousClock.Instant, UInt64)? = nil
        var last: (ContinuousClock.Instant, UInt64) = (.now, start)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let n = agent.statistics.telemetryAccepted
            if n != last.1 {
                if first == nil { first = (.now, n) }
                last = (.now, n)
            }
            if n - start >= UInt64(count) { break }
            if let f = first, ContinuousClock.now - last.0 > .seconds(1), f.1 != last.1 { break }
            Thread.sleep(forTimeInterval: 0.0005)
        }
        guard let f = first, last.1 > f.1 else { throw CLIError("the agent accepted no telemetry") }
        if last.1 - start < UInt64(count) { print("  (agent accepted \(last.1 - start) of \(count) messages)") }
        return Double(last.1 - f.1) / (last.0 - f.0).inSeconds
    }

    // MARK: - Round trips

    struct RoundTrips {
        var median: Double
        var p99: Double
        var replyBytes: Int
    }

    static func roundTrips(endpoint: String, payload: [UInt8], count: Int) throws -> RoundTrips {
        let ctx = try Context()
        defer { ctx.terminate() }
        let req = try Socket(ctx, .req)
        defer { req.close() }
        try req.set(.receiveTimeout, 5000)
        try req.connect(endpoint)
        var replyBytes = 0
        for _ in 0..<min(1000, count) {
            try req.send([payload])
            guard let r = try req.receive() else { throw CLIError("no reply from \(endpoint)") }
            replyBytes = r.last?.count ?? 0
        }
        var samples: [Double] = []
        samples.reserveCapacity(count)
        let clock = ContinuousClock()
        for _ in 0..<count {
            let t0 = clock.now
            try req.send([payload])
            guard try req.receive() != nil else { throw CLIError("no reply from \(endpoint)") }
            samples.append((clock.now - t0).inSeconds * 1e6)
        }
        samples.sort()
        return RoundTrips(
            median: samples[samples.count / 2], p99: samples[min(samples.count - 1, Int(Double(samples.count) * 0.99))],
            replyBytes: replyBytes)
    }

    static func concurrentQueries(endpoint: String, payload: [UInt8], clients: Int, seconds duration: Double) throws -> Double {
        let total = Mutex<Int>(0)
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

/// A raw libzmq REP echo on its own thread and context (the latency baseline).
final class EchoServer: Sendable {
    private let context: Context
    private let size = Mutex<Int?>(nil)
    private let bound = Mutex<String>("")
    private let done = DispatchSemaphore(value: 0)

    /// The bound endpoint.
    var endpoint: String { bound.withLock { $0 } }

    /// The reply size (nil: echo the request bytes).
    var replySize: Int? {
        get { size.withLock { $0 } }
        set { size.withLock { $0 = newValue } }
    }

    init(replySize: Int?) throws {
        context = try Context()
        self.replySize = replySize
        start()
    }

    private func start() {
        let ready = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            do {
                let rep = try Socket(context, .rep)
                let e = try rep.bind("tcp://127.0.0.1:*")
                bound.withLock { $0 = e }
                ready.signal()
                while let frames = try rep.receive() {
                    let n = replySize
                    try rep.send([n.map { [UInt8](repeating: 7, count: $0) } ?? frames[0]])
                }
                rep.close()
            } catch {
                ready.signal()
            }
            done.signal()
        }
        thread.start()
        ready.wait()
    }

    func stop() {
        context.shutdown()
        done.wait()
        context.terminate()
    }
}
