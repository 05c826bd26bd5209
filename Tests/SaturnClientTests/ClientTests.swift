import Foundation
import Locking
import Logging
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnWire
import SaturnTestKit
import SwiftProtobuf
import Testing
import ZMQ

/// The Swift client against a real agent on loopback: worker, router and peer subscriber.
@Suite(.timeLimit(.minutes(2)))
struct ClientTests {
    static let key = ModelKey(model: "llama2-70b", hardware: "h100-80gb-tp4")
    static let truth = LatencyParameters(pMax: 500, kB: 0.05, kS: 0.002, w0: 2, w1: 0.5, tau0: 8, tauB: 0.1, tauS: 0.004)

    static func agent(_ node: String) throws -> Agent {
        var c = AgentConfiguration.ephemeralLoopback(nodeID: node)
        c.idleFitInterval = .milliseconds(200)
        return try Agent(configuration: c, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    @Test func workerStepsAreFittedAndTheRouterAndSubscriberSeeTheResult() async throws {
        let agent = try Self.agent("client-a")
        try await agent.withRunning { e in
            let subscriber = try PeerSubscriber(endpoint: e.broadcast)
            defer { subscriber.close() }
            let router = try Router(endpoint: e.query, timeout: .seconds(2))
            defer { router.close() }
            let before = try router.predict(Self.key, batchSize: 16, tokens: 512)
            #expect(!before.source.isFitted && before.version == 0, "\(before)")

            let worker = try Worker(endpoint: e.telemetry, workerID: "w0", key: Self.key)
            defer { worker.close() }
            #expect(try worker.waitUntilConnected())
            var published = 0
            for b in [1, 2, 4, 8, 16, 32, 64, 1, 2, 4, 8, 16, 32, 64, 3, 6, 12, 24, 48] {
                for s in [b, b * 128, b * 512] {
                    let sequence = try worker.publish(
                        batchSize: b, tokens: s, latencyMs: Self.truth.latency(batchSize: Double(b), tokens: Double(s)))
                    published += 1
                    #expect(sequence == UInt64(published))
                }
            }
            for _ in 0..<4 {
                for b in [3, 12, 48] {
                    _ = try worker.publish(batchSize: b, tokens: 100 * b, latencyMs: Self.truth.latency(batchSize: Double(b), tokens: Double(100 * b)))
                    published += 1
                }
            }
            #expect(try eventually { try router.health().telemetryAccepted == UInt64(published) })
            #expect(try eventually { try router.predict(Self.key, batchSize: 16, tokens: 512).source == .localFit })
            let after = try router.predict(Self.key, batchSize: 16, tokens: 512)
            let expected = Self.truth.latency(batchSize: 16, tokens: 512)
            #expect(abs(after.latencyMs - expected) / expected < 0.01)
            #expect(after.version >= 1 && after.originNode == "client-a")

            let broadcast = try #require(try subscriber.receive(timeout: .seconds(5)))
            #expect(broadcast.originNode == "client-a" && broadcast.sequence == 1)
            #expect(broadcast.snapshot.key == Self.key && broadcast.snapshot.source == .localFit)

            let parameters = try router.parameters()
            #expect(parameters.nodeID == "client-a" && parameters.sets.map(\.key) == [Self.key])
            #expect(parameters.lastSequence >= 1 && parameters.invalidSets == 0)

            let health = try router.health()
            #expect(health.keys.map(\.key) == [Self.key] && health.keys[0].source == .localFit)
            // Most observations were predicted by the prior (large errors): the error rate over them is honest.
            #expect(health.drops.isEmpty && health.keys[0].recentP95RelativeError > 0, "\(health)")
            #expect(health.status == "ok" || health.status.contains("error rate"), "\(health.status)")
            let history = try router.updateHistory(Self.key)
            #expect(!history.isEmpty && history.contains { $0.accepted && $0.version == after.version })
            #expect(history.allSatisfy { $0.key == Self.key && $0.validationRows > 0 })
        }
    }

    @Test func errorRepliesCarryTheirCodeAndTheRouterStaysUsable() async throws {
        let agent = try Self.agent("client-b")
        try await agent.withRunning { e in
            let router = try Router(endpoint: e.query, timeout: .seconds(2))
            defer { router.close() }
            for (b, s) in [(Double.nan, 1.0), (1, -1), (0, 1), (1, 1e12)] {
                let error = #expect(throws: ClientError.self) { try router.predict(Self.key, batchSize: b, tokens: s) }
                guard case .reply(let q)? = error?.kind else {
                    Issue.record("expected an error reply, got \(String(describing: error))")
                    continue
                }
                #expect(q.code == .invalidArgument)
            }
            let empty = #expect(throws: ClientError.self) {
                try router.predict(ModelKey(model: "", hardware: "x"), batchSize: 1, tokens: 1)
            }
            #expect(empty?.kind == .reply(QueryError(.invalidArgument, "model must be 1...256 bytes")))
            #expect(try router.predict(Self.key, batchSize: 1, tokens: 1).latencyMs > 0)
            #expect(agent.statistics.queryErrors == [.invalidArgument: 5])
        }
    }

    @Test func aSlowEndpointTimesOutAndItsLateReplyIsSkipped() throws {
        let context = try Context()
        defer { context.terminate() }
        let bound = Locked<String?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        // A fake agent: answers the first request after the client gave up on it, then the second at once.
        let server = Thread {
            defer { done.signal() }
            do {
                let slow = try Socket(context, .router)
                defer { slow.close() }
                bound.withLock { $0 = try? slow.bind("tcp://127.0.0.1:*") }
                ready.signal()
                for delay in [0.5, 0.0] {
                    guard let frames = try slow.receive(), let envelope = Envelope(frames: frames),
                        let request = try? Saturn_V1_Request(serializedBytes: envelope.payload)
                    else { return }
                    Thread.sleep(forTimeInterval: delay)
                    var reply = Saturn_V1_Reply()
                    reply.protocolVersion = wireProtocolVersion
                    reply.requestID = request.requestID
                    var health = HealthReport()
                    health.nodeID = "request-\(request.requestID)"
                    reply.health = health.proto
                    _ = try slow.send(envelope.reply(try reply.serializedBytes()))
                }
            } catch {
                ready.signal()
            }
        }
        server.start()
        ready.wait()
        let endpoint = try #require(bound.withLock { $0 })
        let router = try Router(endpoint: endpoint, timeout: .milliseconds(200), context: context)
        defer { router.close() }
        let started = ContinuousClock.now
        let error = #expect(throws: ClientError.self) { try router.health() }
        #expect(error?.kind == .timeout)
        #expect(ContinuousClock.now - started < .seconds(2))
        Thread.sleep(forTimeInterval: 0.5)  // the late reply to request 1 is now queued at the client
        router.timeout = .seconds(5)
        #expect(try router.health().nodeID == "request-2")
        done.wait()
    }
}
