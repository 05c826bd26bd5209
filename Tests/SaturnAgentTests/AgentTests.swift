import Foundation
import Logging
import SaturnAgent
import SaturnModel
import SaturnNumerics
import SaturnTestKit
import SaturnWire
import SwiftProtobuf
import Testing
import ZMQ

/// The agent built exactly as the CLI builds it, on loopback ports chosen by the system.
struct AgentTests {
    static func configuration(_ node: String) -> AgentConfiguration { .ephemeralLoopback(nodeID: node) }

    static let logger = Logger(label: "test")

    /// One request/reply over a fresh REQ socket.
    static func ask(_ endpoint: String, _ configure: (inout Saturn_V1_Request) -> Void) throws -> Saturn_V1_Reply {
        let ctx = try Context()
        defer { ctx.terminate() }
        let req = try Socket(ctx, .req)
        defer { req.close() }
        try req.set(.receiveTimeout, 3000)
        try req.connect(endpoint)
        var r = Saturn_V1_Request()
        r.protocolVersion = 1
        r.requestID = 42
        configure(&r)
        try req.send([try r.serializedBytes()])
        let frames = try #require(try req.receive())
        return try Saturn_V1_Reply(serializedBytes: frames[0])
    }

    @Test func startsAnswersAndStopsWithoutHanging() throws {
        let agent = try buildAgent(configuration: Self.configuration("t1"), logger: Self.logger)
        let e = try agent.start()
        #expect(e.query.hasPrefix("tcp://127.0.0.1:") && !e.query.hasSuffix("*"))
        var reply = try Self.ask(e.query) { $0.health = Saturn_V1_HealthRequest() }
        #expect(reply.requestID == 42 && reply.health.nodeID == "t1" && reply.health.status == "ok")
        reply = try Self.ask(e.query) {
            var p = Saturn_V1_PredictRequest()
            p.model = "llama-2-13b"
            p.hardware = "a100-80gb-tp2"
            p.batchSize = 8
            p.tokens = 8
            $0.predict = p
        }
        // An unseen key answers from the nearest shipped prior (same hardware, nearest model size).
        #expect(reply.predict.source == .nearestKey && reply.predict.latencyMs > 0 && reply.predict.version == 0)
        reply = try Self.ask(e.query) {
            var p = Saturn_V1_PredictRequest()
            p.model = "m"
            p.hardware = "h"
            p.batchSize = .nan
            p.tokens = 8
            $0.predict = p
        }
        #expect(reply.error.code == .invalidArgument && reply.error.message.contains("batch_size"))
        let clock = ContinuousClock()
        let start = clock.now
        agent.stop()
        agent.stop()  // idempotent
        #expect(clock.now - start < .seconds(2))
    }

    @Test func bindConflictIsACleanError() throws {
        let first = try buildAgent(configuration: Self.configuration("t2"), logger: Self.logger)
        let e = try first.start()
        defer { first.stop() }
        var c = Self.configuration("t3")
        c.queryEndpoint = e.query
        let second = try buildAgent(configuration: c, logger: Self.logger)
        #expect(throws: AgentError.self) { try second.start() }
        second.stop()
    }

    @Test func telemetryIsFittedAndBroadcast() throws {
        var c = Self.configuration("t4")
        c.idleFitSeconds = 0.2
        let agent = try buildAgent(configuration: c, logger: Self.logger)
        let e = try agent.start()
        defer { agent.stop() }
        let ctx = try Context()
        defer { ctx.terminate() }
        let sub = try Socket(ctx, .sub)
        defer { sub.close() }
        try sub.subscribe(Topic.parameters)
        try sub.connect(e.broadcast)
        let pub = try Socket(ctx, .pub)
        defer { pub.close() }
        try pub.connect(e.telemetry)
        Thread.sleep(forTimeInterval: 0.3)
        let truth = LatencyParameters(pMax: 100, kB: 0.06, kS: 0.003, w0: 8, w1: 0.8, tau0: 4, tauB: 0.04, tauS: 0.0015)
        var rng = SplitMix64(seed: 1)
        for i in 0..<300 {
            var m = Saturn_V1_StepTelemetry()
            m.protocolVersion = 1
            m.workerID = "w"
            m.model = "synthetic-7b"
            m.hardware = "cpu"
            m.batchSize = UInt32(1 + rng.next() % 64)
            m.tokens = 1 + rng.next() % 2048
            m.latencyMs = truth.latency(batchSize: Double(m.batchSize), tokens: Double(m.tokens))
            m.sequence = UInt64(i + 1)
            try pub.send([Topic.step, try m.serializedBytes()])
        }
        var poller = Poller([sub])
        #expect(try poller.poll(timeout: 10_000)[0], "no broadcast within 10 s")
        let frames = try #require(try sub.receive())
        let update = try Saturn_V1_ParameterUpdate(serializedBytes: frames[1])
        #expect(update.originNode == "t4" && update.sequence == 1 && update.set.source == .localFit)
        #expect(update.queryEndpoint == e.query)
        let fitted = LatencyParameters(update.set.parameters)
        #expect(isClose(fitted.latency(batchSize: 16, tokens: 512), truth.latency(batchSize: 16, tokens: 512), rel: 1e-6))
    }

    @Test func configurationFileAndValidation() throws {
        let json = #"{"nodeID": "gpu-7", "fitEvery": 50, "peers": [{"broadcast": "tcp://10.0.0.2:5557"}]}"#
        let c = try AgentConfiguration(json: Data(json.utf8))
        #expect(c.nodeID == "gpu-7" && c.fitEvery == 50 && c.peers == [.init(broadcast: "tcp://10.0.0.2:5557")])
        #expect(c.queryEndpoint == "tcp://127.0.0.1:5556" && c.problems.isEmpty)
        var bad = c
        bad.fitWindow = 3
        bad.loss = "l1"
        bad.peers = [.init(broadcast: "localhost:1")]
        #expect(bad.problems.count == 3)
        #expect(throws: AgentError.self) { try buildAgent(configuration: bad, logger: Self.logger) }
        #expect(AgentConfiguration.Peer(spec: "tcp://a:1,tcp://a:2") == .init(broadcast: "tcp://a:1", query: "tcp://a:2"))
        #expect(AgentConfiguration.Peer(spec: ",x") == nil)
    }

    @Test func priorsFollowTheDesignOrder() {
        #expect(PriorCatalog.parameterCount("llama-2-13b") == 13)
        #expect(PriorCatalog.parameterCount("Llama-2-70B-chat") == 70)
        #expect(PriorCatalog.parameterCount("opt-6.7b") == 6.7)
        #expect(PriorCatalog.parameterCount("gpt-4o") == nil)
        let catalog = PriorCatalog()
        let known = [(model: "mistral-7b", hardware: "L40S", parameters: PriorCatalog.genericDefault)]
        #expect(catalog.choose(model: "llama-8b", hardware: "l40s", known: known).choice
                == .nearestKey(model: "mistral-7b", hardware: "L40S"))
        #expect(catalog.choose(model: "qwen-72b", hardware: "mi300x", known: known).choice
                == .shippedPrior(model: "llama2-70b", hardware: "a100-80gb-tp2"))
        #expect(catalog.choose(model: "mystery", hardware: "tpu", known: []).choice == .genericDefault)
        for prior in ShippedPriors.all { #expect(prior.parameters.isWithin(.physical), "\(prior.credit)") }
    }

    @Test func ringBufferKeepsTheNewest() {
        var r = RingBuffer<Int>(capacity: 3)
        for i in 1...5 { r.append(i) }
        #expect(r.count == 3 && r.suffix(3) == [3, 4, 5] && r.suffix(2) == [4, 5] && r.suffix(10) == [3, 4, 5])
    }
}

struct RingBufferTests {
    @Test func appendReportsWhatItOverwrites() {
        var r = RingBuffer<Int>(capacity: 2)
        #expect(r.append(1) == nil && !r.wrapped)
        #expect(r.append(2) == nil && r.wrapped)  // first fill
        #expect(r.append(3) == 1 && !r.wrapped)
        #expect(r.append(4) == 2 && r.wrapped)
    }
}
