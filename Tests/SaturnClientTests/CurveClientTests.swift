import Foundation
import Logging
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnTestKit
import SaturnWire
import Testing
import ZMQ

/// The Swift clients against a real agent with CURVE on: allowed keys work as worker, router and subscriber; a
/// key that is not on the allow-list, and a plaintext client, get nothing, and the agent counts them.
@Suite(.timeLimit(.minutes(2)))
struct CurveClientTests {
    static let key = ModelKey(model: "curve-model", hardware: "curve-gpu")

    /// Writes key pairs for `names` into a new directory and an allow directory admitting each `(name, role)`.
    static func keys(_ names: [String], allow: [(String, String)]) throws -> (String, [String: CurveKeyPair]) {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("saturn-curve-\(UUID().uuidString)").path
        var pairs: [String: CurveKeyPair] = [:]
        for role in ["workers", "routers", "peers"] {
            try FileManager.default.createDirectory(atPath: d + "/allow/" + role, withIntermediateDirectories: true)
        }
        for name in names {
            let p = try CurveKeyPair.generate()
            try CurveKeyFile(publicKey: p.publicKey, secretKey: p.secretKey)
                .write(base: d + "/" + name, overwrite: false)
            pairs[name] = p
        }
        for (name, role) in allow {
            try FileManager.default.copyItem(
                atPath: d + "/" + name + ".pub", toPath: d + "/allow/" + role + "/" + name + ".pub")
        }
        return (d, pairs)
    }

    @Test func allowedKeysWorkAndOthersGetNothing() async throws {
        let (d, _) = try Self.keys(["agent", "worker", "router", "stranger"],
                                   allow: [("worker", "workers"), ("router", "routers")])
        defer { try? FileManager.default.removeItem(atPath: d) }
        var c = AgentConfiguration.ephemeralLoopback(nodeID: "curve-swift")
        c.curveKey = d + "/agent.key"
        c.allowDirectory = d + "/allow"
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let agent = try Agent(configuration: c, logger: logger)
        func creds(_ name: String) throws -> CurveCredentials {
            try CurveCredentials(serverKeyFile: d + "/agent.pub", secretKeyFile: d + "/" + name + ".key")
        }
        try await agent.withRunning { e in
            let router = try Router(endpoint: e.query, timeout: .seconds(2), curve: try creds("router"))
            defer { router.close() }
            #expect(try router.health().telemetryAccepted == 0)

            let worker = try Worker(endpoint: e.telemetry, workerID: "w", key: Self.key, curve: try creds("worker"))
            defer { worker.close() }
            #expect(try worker.waitUntilConnected())
            for b in 1...40 { try worker.publish(batchSize: b, tokens: 64 * b, latencyMs: 10 + Double(b)) }
            #expect(try eventually { try router.health().telemetryAccepted == 40 })

            let stranger = try Worker(endpoint: e.telemetry, workerID: "s", key: Self.key, curve: try creds("stranger"))
            defer { stranger.close() }
            let plain = try Worker(endpoint: e.telemetry, workerID: "p", key: Self.key)
            defer { plain.close() }
            #expect(try !stranger.waitUntilConnected(timeout: .seconds(1), settle: .zero))
            for b in 1...40 {
                try stranger.publish(batchSize: b, tokens: 64 * b, latencyMs: 10)
                try plain.publish(batchSize: b, tokens: 64 * b, latencyMs: 10)
            }
            for name in ["stranger", "worker"] {  // the worker's key is not a router's
                let other = try Router(endpoint: e.query, timeout: .milliseconds(300), curve: try creds(name))
                let error = #expect(throws: ClientError.self) { try other.health() }
                #expect(error?.kind == .timeout)
                other.close()
            }
            #expect(try eventually {
                let drops = try router.health().drops
                // The plaintext worker: a mechanism mismatch, or a closed handshake when it hangs up first.
                let plaintext =
                    drops["auth.telemetry.plaintext", default: 0] + drops["auth.telemetry.handshake", default: 0]
                return drops["auth.telemetry.key_not_allowed", default: 0] >= 1 && plaintext >= 1
                    && drops["auth.query.key_not_allowed", default: 0] >= 2
            })
            let refused = AuthenticationDenial(socket: .telemetry, reason: .keyNotAllowed)
            #expect(agent.statistics.authenticationDenials[refused, default: 0] >= 1)
            #expect(try router.health().telemetryAccepted == 40)

            // The public key in the secret key file must match its secret key; wider permissions are refused.
            chmod(d + "/router.key", 0o640)
            let wide = #expect(throws: ClientError.self) { try creds("router") }
            #expect(wide?.message.contains("wider than 0600") == true)
        }
    }
}
