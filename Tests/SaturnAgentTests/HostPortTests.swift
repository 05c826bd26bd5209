import Foundation
import SaturnAgent
import Testing

struct HostPortTests {
    @Test(arguments: [
        ("9464", "127.0.0.1", 9464), ("0", "127.0.0.1", 0), ("0.0.0.0:9464", "0.0.0.0", 9464),
        ("node-7.example:80", "node-7.example", 80), ("[::1]:9464", "::1", 9464), ("[::]:65535", "::", 65535),
    ])
    func parses(spec: String, host: String, port: Int) throws {
        let a = try #require(HostPort(spec: spec))
        #expect(a.host == host && a.port == port)
        #expect(HostPort(spec: a.description) == a)
    }

    @Test(arguments: ["", ":9464", "host:", "65536", "-1", "host:port", "::1:9464", "[::1]9464", "[]:1", "a b:1", "１２"])
    func refuses(spec: String) {
        #expect(HostPort(spec: spec) == nil)
    }

    @Test func theConfigurationChecksTheMetricsAddress() throws {
        var c = AgentConfiguration.ephemeralLoopback(nodeID: "n")
        #expect(c.metrics == nil && c.problems.isEmpty)
        try c.set("metrics=9464")
        #expect(c.metrics == "9464" && c.problems.isEmpty)
        try c.apply(json: Data(#"{"metrics": 9465}"#.utf8))
        #expect(c.metrics == "9465")
        try c.set(#"metrics="[::1]:9""#)
        #expect(c.metrics == "[::1]:9" && c.problems.isEmpty)
        try c.set("metrics=localhost:99999")
        #expect(c.problems == ["metrics must be PORT, HOST:PORT or [IPV6]:PORT with a port in 0...65535, got 'localhost:99999'"])
    }
}
