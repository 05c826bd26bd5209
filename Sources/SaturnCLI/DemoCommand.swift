import ArgumentParser
import Foundation
import Logging
import SaturnAgent
import SaturnModel
import SaturnWire
import SwiftProtobuf
import Synchronization
import ZMQ

/// `saturn demo`: an agent with simulated workers and a shadow router on loopback.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run an agent with simulated workers on loopback and watch its predictions converge.",
        discussion: """
            The workers simulate continuous batching on a real request trace (Azure LLM inference trace, shipped \
            sample) with a "true" latency model taken from a shipped prior (splitwise llama2-70b on h100-80gb \
            tp4) plus 3% noise, and publish every step to the agent over ZeroMQ. The key is new to the agent, \
            so it starts from the nearest shipped prior and then fits its own parameters. A shadow router asks \
            the agent to predict sampled steps before they are published and reports the error.
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

    func run() throws {
        let model = "llama2-70b"
        let hardware = "h100-80gb-sim"
        guard let truthPrior = ShippedPriors.all.first(where: { $0.hardware == "h100-80gb-tp4" }) else {
            throw CLIError("shipped prior h100-80gb-tp4 missing")
        }
        var config = AgentConfiguration.ephemeralLoopback(nodeID: "demo")
        config.fitEvery = 500
        config.minimumObservations = 300  // let the prior answer for the first second or so
        var logger = Logger(label: "saturn.demo")
        logger.logLevel = .warning
        let agent = try buildAgent(configuration: config, logger: logger)
        let endpoints = try agent.start()
        defer { agent.stop() }
        print("agent ready: telemetry \(endpoints.telemetry)  query \(endpoints.query)  broadcast \(endpoints.broadcast)")
        print("simulating \(workers) worker(s) of \(model) on \(hardware) for \(Int(seconds)) s; true latency model: "
            + "shipped prior \(truthPrior.model)@\(truthPrior.hardware) with 3% noise")
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
                            model: model, hardware: hardware, shared: shared)
            }
            thread.start()
        }

        // The shadow router: predicts sampled steps over the bus and reports once a second.
        let context = try Context()
        defer { context.terminate() }
        let req = try Socket(context, .req)
        defer { req.close() }
        try req.set(.receiveTimeout, 2000)
        try req.connect(endpoints.query)
        var requestID: UInt64 = 0
        func predict(_ b: Double, _ s: Double) throws -> Saturn_V1_PredictReply {
            requestID += 1
            var p = Saturn_V1_PredictRequest()
            p.model = model
            p.hardware = hardware
            p.batchSize = b
            p.tokens = s
            var r = Saturn_V1_Request()
            r.protocolVersion = 1
            r.requestID = requestID
            r.predict = p
            try req.send([try r.serializedBytes()])
            guard let frames = try req.receive() else { throw CLIError("the agent did not answer within 2 s") }
            let reply = try Saturn_V1_Reply(serializedBytes: frames[0])
            if case .error(let e)? = reply.body { throw CLIError("agent error \(e.code): \(e.message)") }
            return reply.predict
        }
        print("  time   steps  source          version  shadow prediction error (mean, on sampled steps)")
        let start = ContinuousClock.now
        var firstError: Double? = nil
        var lastError = Double.nan
        var lastSource = ""
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
            var reply = Saturn_V1_PredictReply()
            for sample in samples.prefix(200) {
                reply = try predict(Double(sample.batchSize), Double(sample.tokens))
                errors.append(abs(reply.latencyMs - sample.latencyMs) / sample.latencyMs)
            }
            if samples.isEmpty { reply = try predict(8, 8) }
            if !samples.isEmpty { recent = samples }
            let mean = errors.isEmpty ? Double.nan : errors.reduce(0, +) / Double(errors.count)
            if firstError == nil, !errors.isEmpty { firstError = mean }
            if !errors.isEmpty { lastError = mean }
            lastSource = Self.name(reply.source)
            print(String(format: "  %4.1fs %7d  %-15@ %7d  %6.2f%% over %d steps", Self.seconds(ContinuousClock.now - start),
                         shared.published.withLock { $0 }, lastSource as NSString, reply.version, mean * 100, errors.count))
            fflush(nil)
        }
        shared.stop.withLock { $0 = true }
        for t in threads { t.wait() }

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
            let p = try predict(b, s)
            let t = truthPrior.parameters.latency(batchSize: b, tokens: s)
            print(String(format: "%4.0f %6.0f %10.2f %9.2f %6.2f%%", b, s, p.latencyMs, t, abs(p.latencyMs - t) / t * 100))
        }
        print("")
        print(String(format: "summary: %llu steps accepted, %llu parameter updates broadcast; shadow error %.2f%% at start (%@), %.2f%% at the end (%@); the noise floor is about 2.4%%",
                     stats.telemetryAccepted, stats.updatesPublished, (firstError ?? .nan) * 100,
                     "prior" as NSString, lastError * 100, lastSource as NSString))
        if !stats.drops.isEmpty { print("drops: \(stats.drops)") }
        guard stats.updatesPublished > 0 else { throw CLIError("the agent accepted no fit during the demo") }
    }

    static func worker(index: Int, telemetry: String, truth: LatencyParameters, rate: Double, seed: UInt64,
                       model: String, hardware: String, shared: Shared) {
        guard let context = try? Context() else { return }
        defer { context.terminate() }
        do {
            let pub = try Socket(context, .pub)
            defer { pub.close() }
            try pub.set(.sendHighWaterMark, 100_000)
            try pub.connect(telemetry)
            Thread.sleep(forTimeInterval: 0.3)  // slow joiner
            var engine = EngineSimulator(truth: truth, noise: 0.03, trace: DemoTrace.requests, speedup: 0.5, seed: seed)
            var m = Saturn_V1_StepTelemetry()
            m.protocolVersion = 1
            m.workerID = "demo-w\(index)"
            m.model = model
            m.hardware = hardware
            let begin = ContinuousClock.now
            var n = 0
            while !shared.stop.withLock({ $0 }) {
                let step = engine.step()
                n += 1
                m.batchSize = UInt32(step.batchSize)
                m.tokens = UInt64(step.tokens)
                m.latencyMs = step.latencyMs
                m.sequence = UInt64(n)
                m.timestampNs = Int64(Date().timeIntervalSince1970 * 1e9)
                if n % 5 == 0 {
                    shared.samples.withLock {
                        $0.append(.init(batchSize: step.batchSize, tokens: step.tokens, latencyMs: step.latencyMs))
                    }
                }
                try pub.send([Topic.step, try m.serializedBytes()])
                shared.published.withLock { $0 += 1 }
                // Pace to the requested rate.
                let due = Double(n) / rate
                let elapsed = seconds(ContinuousClock.now - begin)
                if due > elapsed { Thread.sleep(forTimeInterval: due - elapsed) }
            }
        } catch {
            FileHandle.standardError.write(Data("worker \(index) failed: \(error)\n".utf8))
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func name(_ s: Saturn_V1_ParameterSource) -> String {
        switch s {
        case .default: "default"
        case .shippedPrior: "shipped_prior"
        case .nearestKey: "nearest_key"
        case .peer: "peer"
        case .localFit: "local_fit"
        default: "unspecified"
        }
    }
}
