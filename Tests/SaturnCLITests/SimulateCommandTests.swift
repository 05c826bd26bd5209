import ArgumentParser
import Foundation
import SaturnModel
import SaturnTestKit
import Testing

@testable import SaturnCLI

struct SimulateCommandTests {
    @Test func parsesLoadsAndRejectsBadOptions() throws {
        let c = try #require(
            try SaturnCommand.parseAsRoot([
                "simulate", "--trace", "t.csv", "--truth", "a.csv", "--truth", "b.csv", "--sla-ms", "80", "--load",
                "0.5,1,2",
            ]) as? SimulateCommand)
        #expect(try c.loads() == [0.5, 1, 2] && c.truth == ["a.csv", "b.csv"] && c.ttftMs == 2000)
        for bad in [
            ["--sla-ms", "0", "--load", "1"], ["--sla-ms", "nan", "--load", "1"], ["--sla-ms", "80", "--load", "0"],
            ["--sla-ms", "80", "--load", "1,x"], ["--sla-ms", "80", "--load", "1", "--requests", "0"],
            ["--sla-ms", "80", "--load", "1", "--ttft-ms", "-1"], ["--sla-ms", "80", "--load", "1", "--saturn", "x"],
            ["--sla-ms", "80", "--load", "1", "--grid-tokens", "0"],
        ] {
            #expect(throws: (any Error).self, "\(bad)") {
                try SaturnCommand.parseAsRoot(["simulate", "--trace", "t.csv", "--truth", "a.csv"] + bad)
            }
        }
        #expect(throws: (any Error).self) {
            try SaturnCommand.parseAsRoot(["simulate", "--trace", "t.csv", "--sla-ms", "80", "--load", "1"])
        }
    }

    /// `--json`: one object with a `policies` array carrying the documented fields.
    @Test func jsonShape() throws {
        let result = try runSaturn([
            "simulate", "--trace", Repository.dataFile("trace_azure_conv_2023.csv").path, "--truth",
            Repository.dataFile("steps_splitwise_llama2-70b_h100-80gb_tp4.csv").path, "--sla-ms", "120", "--load",
            "0.5,2", "--requests", "120", "--json", "--grid-tokens", "256,512", "--grid-seqs", "16,64",
            "--saturn", "saturn,saturn-inprocess",
        ])
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let policies = try #require(object["policies"] as? [[String: Any]])
        let names = Set(policies.compactMap { $0["name"] as? String })
        #expect(names.contains("static-best") && names.contains("static-default"))
        #expect(names.contains("saturn") && names.contains("saturn-inprocess"))
        for p in policies {
            for key in [
                "goodput_tokens_per_s", "slo_miss_fraction", "ttft_p99_ms", "tpot_p99_ms", "throughput_tokens_per_s",
            ] {
                #expect(p[key] is Double, "\(key) in \(p)")
            }
            let name = try #require(p["name"] as? String)
            #expect(name.hasPrefix("static") || name.hasPrefix("saturn"))
        }
        #expect(Set(policies.compactMap { $0["load"] as? Double }) == [0.5, 2])
        let scenarios = try #require(object["scenarios"] as? [[String: Any]])
        #expect((scenarios.first?["kv_capacity_tokens"] as? Int ?? 0) > 100_000)
        #expect((scenarios.first?["saturation_load"] as? Double ?? 0) > 0)
        #expect(result.err.contains("saturation load"))
    }

    /// `--steps-csv`: every step of the static-default run, readable as a step table by `saturn fit` and `plan`.
    @Test func writesTheDefaultRunsSteps() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("steps-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try runSaturn([
            "simulate", "--trace", Repository.dataFile("trace_azure_conv_2023.csv").path, "--truth",
            Repository.dataFile("steps_splitwise_llama2-70b_h100-80gb_tp4.csv").path, "--sla-ms", "120", "--load",
            "1", "--requests", "60", "--json", "--grid-tokens", "256", "--grid-seqs", "16", "--saturn", "none",
            "--steps-csv", file.path,
        ])
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let policies = try #require(object["policies"] as? [[String: Any]])
        let steps = try #require(policies.first { $0["name"] as? String == "static-default" }?["steps"] as? Int)
        let table = try StepCSV.parse(String(contentsOf: file, encoding: .utf8))
        #expect(table.count == steps && steps > 60)
        #expect(table.batchSizes.allSatisfy { $0 >= 1 } && table.latencies.allSatisfy { $0 > 0 })
        #expect(throws: (any Error).self) {
            try SaturnCommand.parseAsRoot([
                "simulate", "--trace", "t.csv", "--truth", "a.csv", "--sla-ms", "80", "--load", "1,2", "--steps-csv", "x.csv",
            ])
        }
    }

    @Test func badTraceIsAOneLineError() throws {
        let path = try temporaryFile("bad-trace.csv", "arrival_s,input_tokens,output_tokens\n0,-5,3\n")
        let result = try runSaturn([
            "simulate", "--trace", path, "--truth", Repository.dataFile("steps_vidur_llama2-7b_a100_tp1.csv").path,
            "--sla-ms", "80", "--load", "1",
        ])
        #expect(result.status != 0)
        #expect(result.err.contains("invalidValue"))
    }
}
