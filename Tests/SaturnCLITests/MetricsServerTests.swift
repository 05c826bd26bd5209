import ArgumentParser
import Foundation
import Logging
import SaturnAgent
import ServiceLifecycle
import Testing

@testable import SaturnCLI

/// The `/metrics` HTTP Service on its own: serves the page it is given, stops with its service group, and reports
/// a port in use as a clear error.
@Suite(.timeLimit(.minutes(1)))
struct MetricsServerTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Status, headers and body of one GET (no URLSession: a plain socket, as a scraper would open).
    static func get(_ address: String, _ path: String) throws -> (status: Int, head: String, body: String) {
        let colon = try #require(address.lastIndex(of: ":"))
        let port = try #require(UInt16(address[address.index(after: colon)...]))
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0)
        let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        try #require(write(fd, request, request.count) == request.count)
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {  // the server closes the connection after its response
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            response += buffer[..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let status = Int(parts[0].split(separator: " ")[1]) ?? 0
        return (status, parts[0], parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    @Test func servesThePageAndStopsWithItsServiceGroup() async throws {
        let server = MetricsServer(address: HostPort(host: "127.0.0.1", port: 0)) { Array("saturn_x_total 1\n".utf8) }
        let group = ServiceGroup(services: [server], logger: Self.logger)
        let clock = ContinuousClock()
        var asked = clock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let address = try await server.boundAddress()
            #expect(address.hasPrefix("127.0.0.1:") && !address.hasSuffix(":0"))
            let ok = try Self.get(address, "/metrics")
            #expect(ok.status == 200 && ok.body == "saturn_x_total 1\n")
            #expect(ok.head.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"))
            #expect(ok.head.contains("Connection: close"))
            #expect(try Self.get(address, "/").status == 404)
            asked = clock.now
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(clock.now - asked < .seconds(2), "shutdown took \(clock.now - asked)")
    }

    @Test func aPortInUseIsAClearError() async throws {
        let first = MetricsServer(address: HostPort(host: "127.0.0.1", port: 0)) { [] }
        let group = ServiceGroup(services: [first], logger: Self.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let taken = try await first.boundAddress()
            let second = MetricsServer(address: try #require(HostPort(spec: taken))) { [] }
            let error = await #expect(throws: MetricsServer.Failure.self) { try await second.run() }
            #expect(error?.description.hasPrefix("cannot serve metrics on \(taken): ") == true)
            #expect(error?.description.contains("Address already in use") == true, "\(String(describing: error))")
            await #expect(throws: MetricsServer.Failure.self) { try await second.boundAddress() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func theAgentCommandTakesMetricsFromTheFlagOrTheFile() throws {
        let flag = try #require(try SaturnCommand.parseAsRoot(["agent", "--metrics", "9464"]) as? AgentCommand)
        #expect(try flag.resolvedConfiguration().metrics == "9464")
        let file = try temporaryFile("metrics.json", #"{"metrics": "0.0.0.0:9464"}"#)
        let fromFile = try #require(try SaturnCommand.parseAsRoot(["agent", "--config", file]) as? AgentCommand)
        #expect(try fromFile.resolvedConfiguration().metrics == "0.0.0.0:9464")
        #expect(throws: (any Error).self) { try SaturnCommand.parseAsRoot(["agent", "--metrics", "host:port"]) }
        #expect(AgentCommand.helpMessage().contains("--metrics <HOST:PORT>"))
    }
}
