import Foundation
import SaturnAgent
import SaturnModel
import Testing

/// One definition per field: files, `--set` and `--print-config` all go through ``AgentConfiguration/fields``.
struct AgentConfigurationTests {
    @Test func aFileSetsAnySubsetOfFields() throws {
        let json = #"""
            {"nodeID": "gpu-7", "fitEvery": 50, "peers": [{"broadcast": "tcp://10.0.0.2:5557"}],
             "idleFitSeconds": 0.25, "loss": "sse", "maximumWorkers": 4}
            """#
        let c = try AgentConfiguration(json: Data(json.utf8))
        #expect(c.nodeID == "gpu-7" && c.fitEvery == 50 && c.peers == [.init(broadcast: "tcp://10.0.0.2:5557")])
        #expect(c.idleFitInterval == .milliseconds(250) && c.loss == .sumOfSquares && c.maximumWorkers == 4)
        #expect(c.queryEndpoint == "tcp://127.0.0.1:5556" && c.problems.isEmpty)
    }

    @Test func unknownFieldsAndBadValuesNameTheField() {
        for (json, expected) in [
            (#"{"fitEvry": 5}"#, "unknown field 'fitEvry'"),
            (#"{"fitEvery": "many"}"#, "fitEvery"),
            (#"{"loss": "l1"}"#, "loss must be relative or sse"),
            (#"{"idleFitSeconds": -1}"#, "idleFitSeconds"),
            (#"[1, 2]"#, "not a JSON object"),
        ] {
            let error = #expect(throws: AgentConfiguration.FieldError.self) {
                try AgentConfiguration(json: Data(json.utf8))
            }
            #expect(error?.description.contains(expected) == true, "\(json): \(String(describing: error))")
        }
    }

    @Test func setTakesJSONOrAPlainString() throws {
        var c = AgentConfiguration()
        try c.set("fitEvery=200")
        try c.set("nodeID=gpu-7")
        try c.set(#"nodeID="gpu 8""#)
        try c.set("minimumFitIntervalSeconds=0.5")
        try c.set(#"forwarders=["tcp://a:1"]"#)
        #expect(c.fitEvery == 200 && c.nodeID == "gpu 8" && c.minimumFitInterval == .milliseconds(500))
        #expect(c.forwarders == ["tcp://a:1"])
        #expect(throws: AgentConfiguration.FieldError.self) { try c.set("fitEvery") }
        #expect(throws: AgentConfiguration.FieldError.self) { try c.set("=3") }
        #expect(throws: AgentConfiguration.FieldError.self) { try c.set("windowSize=big") }
    }

    @Test func everyFieldRoundTripsThroughJSON() throws {
        var c = AgentConfiguration.ephemeralLoopback(nodeID: "n")
        c.advertisedQueryEndpoint = "tcp://10.0.0.1:5556"
        c.peers = [.init(broadcast: "tcp://b:1", query: "tcp://b:2")]
        c.snapshotRetryInterval = .milliseconds(1500)
        c.loss = .sumOfSquares
        c.receiveHighWaterMark = 7
        let data = try c.json()
        #expect(try AgentConfiguration(json: data) == c)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == Set(AgentConfiguration.fields.map(\.name)))
        #expect(object["snapshotRetrySeconds"] as? Double == 1.5 && object["loss"] as? String == "sse")
    }

    @Test func forwardPassSourcesAreReadFromTheFileAndValidated() throws {
        let json = #"{"fpm": ["tcp://10.0.0.5:20380=meta-llama/Llama-3-8B@h100=tp1", "ipc:///tmp/fpm-1=m@user@gpu"]}"#
        let c = try AgentConfiguration(json: Data(json.utf8))
        #expect(c.forwardPassSources == [
            ForwardPassSource(endpoint: "tcp://10.0.0.5:20380", key: ModelKey(model: "meta-llama/Llama-3-8B", hardware: "h100=tp1")),
            ForwardPassSource(endpoint: "ipc:///tmp/fpm-1", key: ModelKey(model: "m@user", hardware: "gpu")),
        ])
        #expect(c.problems.isEmpty)
        #expect(try AgentConfiguration(json: try c.json()) == c)
        for (json, expected) in [
            (#"{"fpm": ["tcp://a:1"]}"#, "no '='"),
            (#"{"fpm": ["tcp://a:1=model"]}"#, "no '@'"),
            (#"{"fpm": ["a:1=m@h"]}"#, "tcp://host:port"),
            (#"{"fpm": ["tcp://a:1=@h"]}"#, "1...256 bytes"),
            (#"{"fpm": ["tcp://a:1=m@"]}"#, "1...256 bytes"),
            (#"{"fpm": "tcp://a:1=m@h"}"#, "fpm"),
            (#"{"fpm": [7]}"#, "fpm"),
        ] {
            let error = #expect(throws: AgentConfiguration.FieldError.self) {
                try AgentConfiguration(json: Data(json.utf8))
            }
            #expect(error?.description.contains(expected) == true, "\(json): \(String(describing: error))")
        }
        var twice = AgentConfiguration()
        twice.forwardPassSources = try ["tcp://a:1=m@h", "tcp://a:1=n@h"].map { try ForwardPassSource(spec: $0) }
        #expect(twice.problems == ["fpm endpoint 'tcp://a:1' is given twice"])
    }

    @Test func problemsAreListedOneByOne() {
        var bad = AgentConfiguration()
        bad.fitWindow = 3
        bad.loss = .exponentiallyWeighted(decay: 0.9)
        bad.peers = [.init(broadcast: "localhost:1")]
        #expect(bad.problems.count == 3)
        #expect(AgentConfiguration.Peer(spec: "tcp://a:1,tcp://a:2") == .init(broadcast: "tcp://a:1", query: "tcp://a:2"))
        #expect(AgentConfiguration.Peer(spec: ",x") == nil)
    }
}
