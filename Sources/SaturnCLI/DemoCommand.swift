import ArgumentParser
import Foundation
import Logging
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnWire
import Synchronization

/// `saturn demo`: an agent with simulated workers and a shadow router on loopback.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run an agent with simulated workers on loopback and watch its predictions converge.",
        discussion: """
            The workers simulate continuous batching on a real request trace (Azure LLM inference trace, shipped \
            sample) with a "true" latency model taken from a shipped prior (splitwise llama2-70b on h100-80gb \
            tp4) plus 3% noise, and publish every step to the agent over ZeroMQ. The key is new to the agent, \
            so it starts from the nearest shipped prior and then fits its own parameters. A shadow router asks \
            the agent to predict sampled steps and reports the error. What it shows: the bus, the prior, the \
            online fit and the broadcast working end to end. What it does not show: accuracy on real hardware; \
            the simulated truth has the model's own form, so the fitted error falls to the noise floor by \
            construction.
            """)

    @Option(help: "How long to run, in seconds.")
    var seconds = 8.0

    @Option(help: "Simulated workers (one PUB socket each).")
    var workers = 2

    @Option(help: "Steps per second published by each worker.")
    var stepsPerSecond = 200.0

    @Option(help: "Random seed of the simulation.")
    var seed: UInt64 = 1

    func validate() throws {
        guard seconds >= 1, seconds <= 3600 else { throw ValidationError("--seconds must be in 1...3600") }
        guard (1...16).contains(workers) else { throw ValidationError("--workers must be in 1...16") }
        guard stepsPerSecond >= 10, stepsPerSecond <= 100_000 else {
            throw ValidationError("--steps-per-second must be in 10...100000")
        }
    }

    /// Shared between the worker threads and the reporting loop.
    final class Shared: Sendable {
        struct Sample {
            var batchSize: Int
            var tokens: Int
            var latencyMs: Double
        }
        let samples = Mutex<[Sample]>([])
        let published = Mutex<Int>(0)
        let stop = Mutex<Bool>(false)
    }

    func run() async throws {
        let key = ModelKey(model: "llama2-70b", hardware: "h100-80gb-sim")
        guard let truthPrior = ShippedPriors.all.first(where: { $0.hardware == "h100-80gb-tp4" }) else {
            throw CLIError("shipped prior h100-80gb-tp4 missing")
        }
        let config = AgentConfiguration.ephemeralLoopback(nodeID: "demo")
        var logger = Logger(label: "saturn.demo")
        logger.logLevel = .warning
        let agent = try Agent(configuration: config, logger: logger)
        try await agent.withRunning { endpoints in try demonstrate(agent: agent, endpoints: endpoints, key: key, truth: truthPrior) }
    }

    func demonstrate(agent: Agent, endpoints: BoundEndpoints, key: ModelKey, truth truthPrior: PriorCatalog.Prior) throws {
        print("agent ready: telemetry \(endpoints.telemetry)  query \(endpoints.query)  broadcast \(endpoints.broadcast)")
        print("simulating \(workers) worker(s) of \(key.model) on \(key.hardware) for \(Int(seconds)) s; true latency model: "
            + "shipped prior \(truthPrior.model)@\(truthPrior.hardware) with 3% noise")
        print("note: the simulated truth has the saturation model's own form, so the error after fitting is the noise")
        print("      floor by construction; this shows the bus, the prior and the online fit working, not accuracy on")
        print("      real hardware (see README: Measured, for fits of real GPU tables).")
        print("")

        let router = try Router(endpoint: endpoints.query, timeout: .seconds(2))
        defer { router.close() }
        let unseen = try router.predict(key, batchSize: 8, tokens: 8)
        print("before any step the key is new to the agent: it answers from \(unseen.source.rawValue) "
            + "(\(unseen.version == 0 ? "a prior" : "version \(unseen.version)")); its first refit comes after "
            + "\(agent.configuration.coldStartEvery) steps, updater steps follow, and after "
            + "\(agent.configuration.minimumObservations) the cold start ends")
        print("")

        let shared = Shared()
        var threads: [DispatchSemaphore] = []
        for w in 0..<workers {
            let done = DispatchSemaphore(value: 0)
            threads.append(done)
            let rate = stepsPerSecond
            let seedValue = seed &+ UInt64(w) &* 7919
            let telemetry = endpoints.telemetry
            let thread = Thread {
                defer { done.signal() }
                Self.worker(index: w, telemetry: telemetry, truth: truthPrior.parameters, rate: rate, seed: seedValue,
                            key: key, shared: shared)
            }
            thread.start()
        }
        defer {
            shared.stop.withLock { $0 = true }
            for t in threads { t.wait() }
        }

        // The shadow router: predicts sampled steps over the bus and reports twice a second.
        print("  time   steps  source          version  shadow prediction error (mean, on sampled steps)")
        let start = ContinuousClock.now
        var first: (error: Double, source: ParameterSource)? = nil
        var last: (error: Double, source: ParameterSource)? = nil
        var tick = 1
        var recent: [Shared.Sample] = []
        while ContinuousClock.now - start < .seconds(seconds) {
            Thread.sleep(forTimeInterval: 0.05)
            if ContinuousClock.now - start < .seconds(0.5 * Double(tick)) { continue }
            tick += 1
            let samples = shared.samples.withLock { s in
                defer { s.removeAll() }
                return s
            }
            var errors: [Double] = []
            var reply = try router.predict(key, batchSize: 8, tokens: 8)
            for sample in samples.prefix(200) {
                reply = try router.predict(key, batchSize: Double(sample.batchSize), tokens: Double(sample.tokens))
                errors.append(abs(reply.latencyMs - sample.latencyMs) / sample.latencyMs)
            }
            if !samples.isEmpty { recent = samples }
            let mean = errors.isEmpty ? Double.nan : errors.reduce(0, +) / Double(errors.count)
            if !errors.isEmpty {
                if first == nil { first = (mean, reply.source) }
                last = (mean, reply.source)
            }
            print(String(format: "  %4.1fs %7d  %-15@ %7d  %6.2f%% over %d steps", (ContinuousClock.now - start).inSeconds,
                         shared.published.withLock { $0 }, reply.source.rawValue as NSString, reply.version, mean * 100,
                         errors.count))
            fflush(nil)
        }

        let stats = agent.statistics
        print("")
        // Operating points the engine actually ran (the fit knows nothing outside them).
        let points = recent.sorted { ($0.tokens, $0.batchSize) < ($1.tokens, $1.batchSize) }
        let picks = points.isEmpty ? [] : (0..<6).map { points[$0 * (points.count - 1) / 5] }
        print("predictions at recent operating points (agent vs the simulated truth without noise):")
        print("   B      S   agent ms   true ms   error")
        for sample in picks {
            let b = Double(sample.batchSize)
            let s = Double(sample.tokens)
            let p = try router.predict(key, batchSize: b, tokens: s)
            let t = truthPrior.parameters.latency(batchSize: b, tokens: s)
            print(String(format: "%4.0f %6.0f %10.2f %9.2f %6.2f%%", b, s, p.latencyMs, t, abs(p.latencyMs - t) / t * 100))
        }
        print("")
        let firstText = first.map { String(format: "%.2f%% from %@", $0.error * 100, $0.source.rawValue) } ?? "n/a"
        let lastText = last.map { String(format: "%.2f%% from %@", $0.error * 100, $0.source.rawValue) } ?? "n/a"
        print("summary: \(stats.telemetryAccepted) steps accepted, \(stats.updatesPublished) parameter updates broadcast; "
            + "shadow error \(firstText) at start, \(lastText) at the end; the simulated noise floor is about 2.4%")
        if !stats.drops.isEmpty { print("drops: \(stats.drops)") }
        guard stats.updatesPublished > 0 else { throw CLIError("the agent accepted no fit during the demo") }
    }

    static func worker(index: Int, telemetry: String, truth: LatencyParameters, rate: Double, seed: UInt64,
                       key: ModelKey, shared: Shared) {
        do {
            let worker = try Worker(endpoint: telemetry, workerID: "demo-w\(index)", key: key)
            defer { worker.close() }
            guard try worker.waitUntilConnected() else { throw CLIError("worker \(index) could not connect") }
            var engine = EngineSimulator(truth: truth, noise: 0.03, trace: DemoTrace.requests, speedup: 0.5, seed: seed)
            let begin = ContinuousClock.now
            var n = 0
            while !shared.stop.withLock({ $0 }) {
                let step = engine.step()
                n += 1
                if n % 5 == 0 {
                    shared.samples.withLock {
                        $0.append(.init(batchSize: step.batchSize, tokens: step.tokens, latencyMs: step.latencyMs))
                    }
                }
                try worker.publish(batchSize: step.batchSize, tokens: step.tokens, latencyMs: step.latencyMs)
                shared.published.withLock { $0 += 1 }
                // Pace to the requested rate.
                let due = Double(n) / rate
                let elapsed = (ContinuousClock.now - begin).inSeconds
                if due > elapsed { Thread.sleep(forTimeInterval: due - elapsed) }
            }
        } catch {
            FileHandle.standardError.write(Data("worker \(index) failed: \(error)\n".utf8))
        }
    }
}
