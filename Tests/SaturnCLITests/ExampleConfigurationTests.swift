import Foundation
import SaturnTestKit
import Testing

/// The deployment files' configuration as the `saturn` executable reads it: `--config` with the commented example
/// (what the systemd unit and the DaemonSet pass), flags overriding the file.
struct ExampleConfigurationTests {
    @Test func theCommentedExampleLoadsThroughTheCLIAndFlagsOverrideIt() throws {
        let example = Repository.root.appendingPathComponent("ops/deploy/saturn-agent.jsonc").path
        let r = try runSaturn(["agent", "--config", example, "--node-id", "node-from-flag", "--print-config"])
        #expect(r.status == 0, "\(r.err)")
        let printed = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(printed["nodeID"] as? String == "node-from-flag")
        #expect(printed["queryEndpoint"] as? String == "tcp://0.0.0.0:5556")
        #expect(printed["broadcastEndpoint"] as? String == "tcp://0.0.0.0:5557")
        #expect(printed["fitEvery"] as? Int == 100 && printed["loss"] as? String == "relative")
    }

    @Test func aCommentInTheWrongPlaceIsAClearError() throws {
        let bad = try temporaryFile("block-comment.jsonc", "{\n  /* not a line comment */\n  \"fitEvery\": 5\n}\n")
        let r = try runSaturn(["agent", "--config", bad, "--print-config"])
        #expect(r.status != 0 && r.err.contains("block-comment.jsonc"), "\(r.err)")
    }
}
