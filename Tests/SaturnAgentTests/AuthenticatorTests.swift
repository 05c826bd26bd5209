import Foundation
import Logging
@testable import SaturnAgent
import SaturnWire
import Testing
import ZMQ

/// The ZAP handler's decisions without sockets: roles per socket, the allow-list directory and its reload; and
/// the configuration's CURVE rules.
struct AuthenticatorTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func allowDirectory() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("saturn-allow-\(UUID().uuidString)").path
        for role in ["workers", "routers", "peers"] {
            try FileManager.default.createDirectory(atPath: d + "/" + role, withIntermediateDirectories: true)
        }
        return d
    }

    static func addKey(_ directory: String, _ role: String, _ name: String) throws -> String {
        let pair = try CurveKeyPair.generate()
        try CurveKeyFile(publicKey: pair.publicKey, secretKey: pair.secretKey)
            .write(base: directory + "/" + role + "/" + name, overwrite: false)
        try FileManager.default.removeItem(atPath: directory + "/" + role + "/" + name + ".key")
        return pair.publicKey
    }

    static func request(_ domain: String, _ key: String?) -> ZAPRequest {
        let credentials: [[UInt8]] = key.map { [Z85.decode($0)!] } ?? []
        return ZAPRequest(frames: [Array("1.0".utf8), [1], Array(domain.utf8), Array("127.0.0.1".utf8), [],
                                   Array((key == nil ? "NULL" : "CURVE").utf8)] + credentials)!
    }

    @Test func eachSocketAdmitsItsRolesOnly() throws {
        let d = try Self.allowDirectory()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let worker = try Self.addKey(d, "workers", "w")
        let router = try Self.addKey(d, "routers", "r")
        let peer = try Self.addKey(d, "peers", "p")
        let stranger = try CurveKeyPair.generate().publicKey
        try "not a key".write(toFile: d + "/routers/broken.pub", atomically: true, encoding: .utf8)
        let auth = try Authenticator(directory: d, now: .now)
        #expect(auth.allowList.problems.count == 1 && auth.allowList.problems[0].contains("broken.pub"))
        let expected: [(String, String, Bool)] = [
            ("telemetry", worker, true), ("telemetry", router, false), ("telemetry", peer, false),
            ("query", router, true), ("query", peer, true), ("query", worker, false),
            ("broadcast", peer, true), ("broadcast", router, false), ("broadcast", worker, false),
        ]
        for (domain, key, allowed) in expected {
            let decision = auth.decide(Self.request(domain, key))
            #expect((decision == .allow(userID: key)) == allowed, "\(domain) \(key)")
            if !allowed {
                let denial = AuthenticationDenial(socket: .init(rawValue: domain)!, reason: .keyNotAllowed)
                #expect(decision == .deny(denial))
            }
        }
        for domain in ["telemetry", "query", "broadcast"] {
            #expect(auth.decide(Self.request(domain, stranger)) != .allow(userID: stranger))
        }
        let notCurve = AuthenticationDenial(socket: .query, reason: .notCurve)
        #expect(auth.decide(Self.request("query", nil)) == .deny(notCurve))
        #expect(auth.decide(Self.request("elsewhere", worker)) == .deny(nil))
        let counter = AuthenticationDenial(socket: .telemetry, reason: .keyNotAllowed).counterName
        #expect(counter == "auth.telemetry.key_not_allowed")
    }

    @Test func aChangedDirectoryIsReReadAtMostOnceASecond() throws {
        let d = try Self.allowDirectory()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let start = ContinuousClock.now
        var auth = try Authenticator(directory: d, now: start)
        let late = try Self.addKey(d, "routers", "late")
        #expect(auth.decide(Self.request("query", late)) != .allow(userID: late))
        var reloaded = auth.refreshIfDue(now: start + .milliseconds(500))
        #expect(!reloaded)  // not looked at yet
        reloaded = auth.refreshIfDue(now: start + .seconds(1))
        #expect(reloaded)
        #expect(auth.decide(Self.request("query", late)) == .allow(userID: late))
        reloaded = auth.refreshIfDue(now: start + .seconds(2))
        #expect(!reloaded)  // nothing changed
        try FileManager.default.removeItem(atPath: d + "/routers/late.pub")
        reloaded = auth.refreshIfDue(now: start + .seconds(3))
        #expect(reloaded)
        #expect(auth.decide(Self.request("query", late)) != .allow(userID: late))
        #expect(auth.reloads == 2)
        #expect(throws: AgentError.self) { try Authenticator(directory: d + "/missing", now: .now) }
    }

    @Test func curveRulesOfTheConfiguration() throws {
        for (endpoint, loopback) in [
            ("tcp://127.0.0.1:5555", true), ("tcp://127.0.0.1:*", true), ("tcp://localhost:1", true),
            ("tcp://[::1]:5555", true), ("ipc:///tmp/x", true), ("inproc://x", true),
            ("tcp://0.0.0.0:5555", false), ("tcp://*:5555", false), ("tcp://10.0.0.2:5555", false),
            ("tcp://eth0:5555", false),
        ] {
            #expect(AgentConfiguration.isLoopback(endpoint) == loopback, "\(endpoint)")
        }
        var c = AgentConfiguration.ephemeralLoopback(nodeID: "n")
        #expect(c.problems.isEmpty)
        c.telemetryEndpoint = "tcp://0.0.0.0:5555"
        #expect(c.problems.contains { $0.contains("not loopback") })
        c.insecure = true
        #expect(c.problems.isEmpty)
        c.insecure = false
        c.curveKey = "a.key"
        #expect(c.problems == ["curveKey and allowDirectory go together"])
        c.allowDirectory = "allow"
        #expect(c.problems.isEmpty)
        c.forwarders = ["tcp://127.0.0.1:5558"]
        #expect(c.problems.contains { $0.contains("forwarders") })
        let peer = try #require(AgentConfiguration.Peer(spec: "tcp://a:1,tcp://a:2,a.pub"))
        #expect(peer == .init(broadcast: "tcp://a:1", query: "tcp://a:2", serverKey: "a.pub"))
        #expect(AgentConfiguration.Peer(spec: "tcp://a:1,,a.pub") == .init(broadcast: "tcp://a:1", serverKey: "a.pub"))
        let json = #"{"curveKey": "k.key", "allowDirectory": "d", "insecure": true}"#
        var fromFile = try AgentConfiguration(json: Data(json.utf8))
        #expect(fromFile.curveKey == "k.key" && fromFile.allowDirectory == "d" && fromFile.insecure)
        try fromFile.set("insecure=false")
        #expect(!fromFile.insecure)
    }

    @Test func aWideSecretKeyOrAMismatchedPairStopsTheAgentBeforeItBinds() throws {
        let d = try Self.allowDirectory()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let pair = try CurveKeyPair.generate()
        try CurveKeyFile(publicKey: pair.publicKey, secretKey: pair.secretKey)
            .write(base: d + "/agent", overwrite: false)
        var c = AgentConfiguration.ephemeralLoopback(nodeID: "n")
        c.curveKey = d + "/agent.key"
        c.allowDirectory = d
        _ = try Agent(configuration: c, logger: Self.logger)
        chmod(d + "/agent.key", 0o644)
        let wide = #expect(throws: AgentError.self) { try Agent(configuration: c, logger: Self.logger) }
        #expect(wide?.code == .invalidConfiguration && wide?.message.contains("wider than 0600") == true)
        let other = try CurveKeyPair.generate()
        try CurveKeyFile(publicKey: other.publicKey, secretKey: pair.secretKey)
            .write(base: d + "/agent", overwrite: true)
        let mismatch = #expect(throws: AgentError.self) { try Agent(configuration: c, logger: Self.logger) }
        #expect(mismatch?.message.contains("does not match") == true)
    }
}
