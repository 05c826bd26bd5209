import Foundation
import Logging
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnNumerics
import SaturnTestKit
import SaturnWire
import ServiceLifecycle
import Testing

/// The agent as a `Service`, on loopback ports chosen by the system, driven through the Swift client.
@Suite(.timeLimit(.minutes(2)))
struct AgentTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func agent(_ node: String, _ configure: (inout AgentConfiguration) -> Void = { _ in }) throws -> Agent {
        var c = AgentConfiguration.ephemeralLoopback(nodeID: node)
        configure(&c)
        return try Agent(configuration: c, logger: logger)
    }

    @Test func startsAnswersAndStopsWithoutHanging() async throws {
        let agent = try Self.agent("t1")
        let clock = ContinuousClock()
        var stopAsked = clock.now
        try await agent.withRunning { e in
            #expect(e.query.hasPrefix("tcp://127.0.0.1:") && !e.query.hasSuffix("*"))
            let router = try Router(endpoint: e.query, timeout: .seconds(3))
            defer { router.close() }
            let health = try router.health()
            #expect(health.nodeID == "t1" && health.status == "ok")
            // An unseen key answers from the nearest shipped prior (same hardware, nearest model size).
            let p = try router.predict(ModelKey(model: "llama-2-13b", hardware: "a100-80gb-tp2"), batchSize: 8, tokens: 8)
            #expect(p.source == .nearestKey && p.latencyMs > 0 && p.version == 0)
            stopAsked = clock.now
        }
        #expect(clock.now - stopAsked < .seconds(2), "shutdown took \(clock.now - stopAsked)")
        await #expect(throws: AgentError.self) { try await agent.run() }  // an agent runs once
    }

    @Test func aServiceGroupStopsTheAgentOnGracefulShutdown() async throws {
        let agent = try Self.agent("t-group")
        let group = ServiceGroup(services: [agent], logger: Self.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let e = try await agent.endpoints()
            let router = try Router(endpoint: e.query, timeout: .seconds(3))
            #expect(try router.health().nodeID == "t-group")
            router.close()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func bindConflictIsACleanErrorWithItsCause() async throws {
        let first = try Self.agent("t2")
        try await first.withRunning { e in
            let second = try Self.agent("t3") { $0.queryEndpoint = e.query }
            let error = await #expect(throws: AgentError.self) { try await second.run() }
            #expect(error?.code == .bindFailed)
            #expect(error?.cause != nil && error?.description.contains("Address already in use") == true)
            await #expect(throws: AgentError.self) { try await second.endpoints() }
        }
    }

    @Test func anInvalidConfigurationIsRefusedWithEveryProblem() {
        var c = AgentConfiguration.ephemeralLoopback(nodeID: "bad")
        c.fitWindow = 3
        c.loss = .exponentiallyWeighted(decay: 0.9)
        c.peers = [.init(broadcast: "localhost:1")]
        let error = #expect(throws: AgentError.self) { try Agent(configuration: c, logger: Self.logger) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.split(separator: ";").count == 3)
    }

    @Test func telemetryIsFittedInstalledAndBroadcast() async throws {
        let agent = try Self.agent("t4") { $0.idleFitInterval = .milliseconds(200) }
        try await agent.withRunning { e in
            let subscriber = try PeerSubscriber(endpoint: e.broadcast)
            defer { subscriber.close() }
            let key = ModelKey(model: "synthetic-7b", hardware: "cpu")
            let worker = try Worker(endpoint: e.telemetry, workerID: "w", key: key)
            defer { worker.close() }
            #expect(try worker.waitUntilConnected())
            let truth = LatencyParameters(pMax: 100, kB: 0.06, kS: 0.003, w0: 8, w1: 0.8, tau0: 4, tauB: 0.04, tauS: 0.0015)
            var rng = SplitMix64(seed: 1)
            for _ in 0..<300 {
                let b = Int(1 + rng.next() % 64)
                let s = Int(1 + rng.next() % 2048)
                try worker.publish(batchSize: b, tokens: s, latencyMs: truth.latency(batchSize: Double(b), tokens: Double(s)))
            }
            let update = try #require(try subscriber.receive(timeout: .seconds(10)), "no broadcast within 10 s")
            #expect(update.originNode == "t4" && update.sequence == 1 && update.snapshot.source == .localFit)
            #expect(update.queryEndpoint == e.query && update.snapshot.version == 1)
            let fitted = update.snapshot.parameters
            #expect(isClose(fitted.latency(batchSize: 16, tokens: 512), truth.latency(batchSize: 16, tokens: 512), rel: 1e-6))
            let router = try Router(endpoint: e.query, timeout: .seconds(3))
            defer { router.close() }
            #expect(try eventually { try router.health().telemetryAccepted == 300 })
            let stats = agent.statistics
            #expect(stats.telemetryAccepted == 300 && stats.updatesPublished >= 1 && stats.drops.isEmpty)
        }
    }
}
