import ArgumentParser
import Foundation
import SaturnModel
import SaturnTestKit
import Testing

@testable import SaturnCLI

/// `saturn bench --families` (``FamilyBenchmark``): the shape of its report, never its timings.
struct FamilyBenchmarkTests {
    /// A Splitwise table (kv_tokens and step_type columns, so K and Q are not zero); all rows with this window.
    static let table = Repository.dataFile("steps_splitwise_llama2-70b_h100-80gb_tp2.csv").path

    @Test func optionsParseAndValidate() throws {
        let bench = try #require(
            try SaturnCommand.parseAsRoot([
                "bench", "--families", "--table", "x.csv", "--where", "fits_kv_capacity=1", "--no-reject",
                "--prediction-calls", "10",
            ]) as? BenchCommand)
        #expect(bench.families && bench.table == "x.csv" && bench.predictionCalls == 10)
        #expect(bench.tableOptions.conditions == ["fits_kv_capacity=1"] && bench.rejectionOptions.rejection == nil)
        let plain = try #require(try SaturnCommand.parseAsRoot(["bench"]) as? BenchCommand)
        #expect(!plain.families && plain.table == nil && plain.rejectionOptions.rejection != nil)
        // The table, filter and gate options belong to --families.
        for arguments in [
            ["bench", "--table", "x.csv"], ["bench", "--where", "a=1"], ["bench", "--max-ms", "1000"],
            ["bench", "--no-reject"], ["bench", "--reject-z", "3"], ["bench", "--families", "--write-table", "t.csv"],
            ["bench", "--families", "--prediction-calls", "0"],
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { try SaturnCommand.parseAsRoot(arguments) }
        }
    }

    @Test func measurementTimesEveryFamilyOnTheSameConfiguration() throws {
        let steps = try StepCSV.parse(String(contentsOfFile: Self.table, encoding: .utf8))
        let configuration = FitConfiguration(
            objective: .relative, filter: RowFilter(maximumLatency: 100_000), rejection: OutlierRejection())
        let result = try FamilyBenchmark.measure(
            table: steps, source: "tp2", configuration: configuration, repeats: 2, predictionCalls: 5000)
        #expect(result.filteredRows == 210)
        #expect(result.fits.map(\.family) == ModelFamily.allCases)
        for fit in result.fits {
            #expect(fit.seconds.count == 2 && fit.seconds.allSatisfy { $0 > 0 })
            #expect(fit.p90 >= fit.median)
            // The same fit as the library call with only the family changed.
            var c = configuration
            c.family = fit.family
            let direct = try LatencyFitter.fit(steps, configuration: c)
            #expect(direct.model == fit.report.model, "\(fit.family)")
        }
        // Whole passes over the batch: 5,000 calls round up to two passes of 4,096 rows.
        #expect(result.callsPerRound == 2 * FamilyBenchmark.batchLength)
        #expect(result.arms.map(\.label) == [
            "LatencyParameters(base)", "FamilyParameters(base)", "FamilyParameters(kv)", "FamilyParameters(kvq)",
        ])
        for arm in result.arms {
            #expect(arm.nanosecondsPerCall.count == 2 && arm.nanosecondsPerCall.allSatisfy { $0 > 0 })
            #expect(arm.checksum.isFinite && arm.checksum > 0)
        }
        // Both base arms predict the same values; the sums are of every prediction of both rounds.
        #expect(result.arms[0].checksum == result.arms[1].checksum)
        let filtered = configuration.filter.apply(to: steps).kept
        let batch = FamilyBenchmark.Batch(filtered, length: FamilyBenchmark.batchLength)
        var expected = 0.0
        for i in 0..<batch.batchSizes.count {
            expected += result.fits[2].report.model.latency(
                batchSize: batch.batchSizes[i], tokens: batch.tokens[i], kvTokens: batch.kvTokens[i],
                prefillAttentionTokens: batch.prefillAttentionTokens[i])
        }
        #expect(isClose(result.arms[3].checksum, 4 * expected, rel: 1e-9))
        #expect(result.richestPredictionRatio > 0 && result.richestPredictionRatio.isFinite)
    }

    @Test func commandPrintsOneLinePerFamilyAndArm() throws {
        let r = try runSaturn([
            "bench", "--families", "--table", Self.table, "--max-ms", "100000", "--repeats", "1",
            "--prediction-calls", "1",
        ])
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("families: ") })
        #expect(lines[header].contains("210 rows pass the filter") && lines[header].contains("1 rounds"))
        #expect(lines[header].contains("sse loss, robust gate z=5"))
        let fitHeader = try #require(lines.firstIndex { $0.hasPrefix("fit (wall)") })
        for (offset, family) in ModelFamily.allCases.enumerated() {
            let cells = lines[fitHeader + 1 + offset].split(separator: " ").map(String.init)
            // family, median ms, p90 ms, median/base, parameters, rows used, rejected, evaluations, starts
            #expect(cells.count == 9 && cells[0] == family.rawValue, "\(cells)")
            #expect(cells.count == 9 && Int(cells[4]) == family.parameterCount)
            #expect(cells.count == 9 && Double(cells[1]) != nil && Double(cells[3]) != nil)
        }
        #expect(lines[fitHeader + 1].split(separator: " ")[3] == "1.00")
        let armHeader = try #require(lines.firstIndex { $0.hasPrefix("arm ") })
        let labels = ["LatencyParameters(base)", "FamilyParameters(base)", "FamilyParameters(kv)", "FamilyParameters(kvq)"]
        for (offset, label) in labels.enumerated() {
            let cells = lines[armHeader + 1 + offset].split(separator: " ").map(String.init)
            #expect(cells.count == 3 && cells[0] == label && Double(cells[1]) != nil && Double(cells[2]) != nil)
        }
        #expect(lines.contains { $0.hasPrefix("richest (kvq) / base prediction: ") })
        #expect(lines.contains { $0.hasPrefix("checksums ") && $0.hasSuffix("; base arms agree") })
        #expect(lines.contains { $0.hasPrefix("prediction: 4096 calls per arm and round") })
    }

    @Test func missingTableIsAClearError() throws {
        let r = try runSaturn(["bench", "--families", "--table", "/nonexistent/steps.csv", "--repeats", "1"])
        #expect(r.status != 0)
        #expect(r.err.contains("/nonexistent/steps.csv: cannot read file"))
    }
}
