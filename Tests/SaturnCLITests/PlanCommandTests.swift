import ArgumentParser
import Foundation
import SaturnModel
import SaturnTestKit
import Testing

@testable import SaturnCLI

/// `saturn plan`: parsing, validation, and its answers against the model functions they front.
struct PlanCommandTests {
    static let table = Repository.dataFile("steps_splitwise_llama2-70b_h100-80gb_tp4.csv").path
    static let trace = Repository.dataFile("trace_azure_conv_2023.csv").path
    static let profile = LatencyParameters(vector: [120, 0.08, 0.004, 20, 0.9, 3, 0.05, 0.002])

    /// A parameter file holding `profile` as a bare object of the 8 parameters.
    static func parameterFile() throws -> String {
        var object: [String: Double] = [:]
        for n in LatencyParameters.Name.allCases { object[n.rawValue] = profile[n] }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        return url.path
    }

    @Test func parsesWithDefaultsAndRejectsBadOptions() throws {
        let plan = try #require(try SaturnCommand.parseAsRoot(["plan", "--parameters", "p.json", "--sla-ms", "80"]) as? PlanCommand)
        #expect(plan.minimumBatch == 1 && plan.maximumBatch == 64 && plan.maximumTokens == 8192 && !plan.json)
        #expect(try plan.parsedMargin() == nil && plan.parsedSequenceCaps() == StaticBudget.defaultSequenceCaps)
        let bad: [[String]] = [
            ["plan", "--sla-ms", "80"],  // no model
            ["plan", "--parameters", "p.json", "--table", "t.csv", "--sla-ms", "80"],
            ["plan", "--parameters", "p.json", "--sla-ms", "0"],
            ["plan", "--parameters", "p.json", "--sla-ms", "nan"],
            ["plan", "--parameters", "p.json", "--sla-ms", "80", "--mean-prompt", "100"],  // partial workload
            ["plan", "--parameters", "p.json", "--sla-ms", "80", "--trace", "t.csv", "--mean-prompt", "1",
             "--prompt-sd", "1", "--prompt-quantile-tokens", "1", "--mean-output", "1"],
            ["plan", "--parameters", "p.json", "--sla-ms", "80", "--margin", "1.5"],
            ["plan", "--parameters", "p.json", "--sla-ms", "80", "--sequence-caps", "16,x"],
            ["plan", "--parameters", "p.json", "--sla-ms", "80", "--max-batch", "0"],
            ["plan", "--parameters", "p.json", "--sla-ms", "80", "--quantile", "1"],
        ]
        for arguments in bad {
            #expect(throws: (any Error).self, "\(arguments)") { try SaturnCommand.parseAsRoot(arguments) }
        }
        #expect(SaturnCommand.helpMessage().contains("plan"))
    }

    @Test func jsonAnswersEqualTheModelFunctions() throws {
        let file = try Self.parameterFile()
        let (status, out, err) = try runSaturn([
            "plan", "--parameters", file, "--sla-ms", "60", "--max-batch", "32", "--max-tokens", "4096",
            "--mean-prompt", "1000", "--prompt-sd", "800", "--prompt-quantile-tokens", "4000", "--mean-output", "250",
            "--rate", "40", "--ttft-ms", "3000", "--json",
        ])
        #expect(status == 0, "\(err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let p = Self.profile
        let rows = try #require(doc["sla_inverse"] as? [[String: Any]])
        let expected = SLAInverse.rows(batchSizes: 1...32, targetMs: 60, tokens: 1...4096, parameters: p)
        #expect(rows.count == 32)
        for (row, e) in zip(rows, expected) {
            #expect(row["batch_size"] as? Int == e.batchSize)
            // JSON text round trip: equal to a few ulps.
            #expect(isClose(row["max_feasible_tokens"] as? Double ?? .nan, e.largestTokens ?? .nan, rel: 1e-14))
        }
        let capacity = try #require(doc["capacity"] as? [String: Any])
        let best = try #require(Capacity.maximise(latencyLimitMs: 60, batchSizes: 1...32, maximumTokens: 4096, parameters: p).best)
        #expect(capacity["batch_size"] as? Int == best.batchSize)
        #expect(isClose(capacity["tokens"] as? Double ?? .nan, best.tokens, rel: 1e-14))
        let workload = Workload(
            meanPromptTokens: 1000, promptTokensStandardDeviation: 800, promptTokensAtQuantile: 4000, meanOutputTokens: 250)
        let replicas = try #require(doc["replicas"] as? [String: Any])
        let plan = CapacityPlan.replicas(rate: 40, workload: workload, slaMs: 60, ttftMs: 3000, parameters: p)
        #expect(replicas["replicas"] as? Int == plan.replicas && plan.replicas != nil)
        let budget = try #require(doc["static_budget"] as? [String: Any])
        let perReplica = 40 / Double(plan.replicas!)
        let recommended = try #require(
            StaticBudget.recommend(parameters: p, slaMs: 60, workload: workload, requestsPerSecond: perReplica, ttftMs: 3000).best)
        #expect(budget["max_num_batched_tokens"] as? Int == recommended.maxNumBatchedTokens)
        #expect(budget["max_num_seqs"] as? Int == recommended.maxNumSeqs)
        #expect((budget["worst_step_ms"] as? Double ?? .infinity) <= 54)
        for key in ["model", "parameters", "sla_ms", "safety_margin", "step_limit_ms", "workload", "capacity_integer_tokens"] {
            #expect(doc[key] != nil, "missing \(key)")
        }
    }

    @Test func fitsATableAndReadsATraceWithAnAutomaticMargin() throws {
        let (status, out, err) = try runSaturn([
            "plan", "--table", Self.table, "--sla-ms", "120", "--ttft-ms", "2000", "--trace", Self.trace,
            "--margin", "auto", "--max-batch", "4",
        ])
        #expect(status == 0, "\(err)")
        for text in ["SLA inverse", "capacity:", "workload:", "19366 requests", "replicas for", "static budget: max_num_batched_tokens="] {
            #expect(out.contains(text), "missing '\(text)' in\n\(out)")
        }
        // The margin comes from the fit's p95 relative error, so it is neither 0 nor the default.
        #expect(!out.contains("margin 0.00%") && !out.contains("SLA - 10.00%"))
    }

    /// `--margin observed` on a table of observed steps: the margin is ``UnderPredictionMargin``'s on the fit, and
    /// its evidence is printed.
    @Test func observedMarginComesFromTheSlowSteps() throws {
        let (status, out, err) = try runSaturn([
            "plan", "--table", Self.table, "--sla-ms", "120", "--margin", "observed", "--max-batch", "2", "--json",
        ])
        #expect(status == 0, "\(err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let evidence = try #require(object["margin_evidence"] as? [String: Any])
        let fitted = try PlanModel.fit(table: Self.table, options: TableOptions.parse([]))
        let fittedSteps = try #require(fitted.steps)
        let expected = try #require(
            UnderPredictionMargin.margin(parameters: fitted.parameters, steps: fittedSteps, slaMs: 120))
        #expect(object["safety_margin"] as? Double == expected.margin)
        #expect(evidence["steps"] as? Int == expected.steps)
        #expect(expected.margin > 0)
        #expect(throws: (any Error).self) {
            try SaturnCommand.parseAsRoot(["plan", "--parameters", "p.json", "--sla-ms", "80", "--margin", "observed"])
        }
        // An SLA no step comes near: a one-line error, not a silent default.
        let loose = try runSaturn(["plan", "--table", Self.table, "--sla-ms", "100000", "--margin", "observed"])
        #expect(loose.status != 0 && loose.err.contains("half the SLA"))
    }

    @Test func badFilesAreOneLineErrors() throws {
        let missing = try runSaturn(["plan", "--parameters", "/nonexistent.json", "--sla-ms", "80"])
        #expect(missing.status != 0 && missing.err.contains("cannot read"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("plan-bad-\(UUID().uuidString).json")
        try Data(#"{"P_max": 1}"#.utf8).write(to: url)
        let partial = try runSaturn(["plan", "--parameters", url.path, "--sla-ms", "80"])
        #expect(partial.status != 0 && partial.err.contains("k_B"))
        let auto = try runSaturn(["plan", "--parameters", try Self.parameterFile(), "--sla-ms", "80", "--margin", "auto"])
        #expect(auto.status != 0 && auto.err.contains("p95"))
    }
}
