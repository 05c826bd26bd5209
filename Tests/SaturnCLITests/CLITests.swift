import ArgumentParser
import Foundation
import SaturnModel
import ZMQ
import SaturnTestKit
import Testing

@testable import SaturnCLI

/// Locates the built `saturn` executable next to the test bundle (or `SATURN_BINARY`).
func saturnBinary() throws -> URL {
    var candidates: [URL] = []
    if let env = ProcessInfo.processInfo.environment["SATURN_BINARY"] { candidates.append(URL(fileURLWithPath: env)) }
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        candidates.append(dir.appendingPathComponent("saturn"))
        dir = dir.deletingLastPathComponent()
    }
    candidates.append(Repository.root.appendingPathComponent(".build/debug/saturn"))
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw GoldenError.missing("saturn executable (looked in \(candidates.map(\.path)))")
    }
    return found
}

/// Runs `saturn` with `arguments`; returns exit status, stdout and stderr.
func runSaturn(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = try saturnBinary()
    p.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

func temporaryFile(_ name: String, _ contents: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saturn-cli-tests-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

struct CLIParsingTests {
    @Test func subcommandsParseWithDefaults() throws {
        let fit = try #require(try SaturnCommand.parseAsRoot(["fit", "x.csv"]) as? FitCommand)
        // The offline commands have no upper end to the latency window; plan keeps the agent's 500 ms.
        #expect(fit.loss == .relative && !fit.json && fit.table.maximumLatency == .infinity)
        let eval = try #require(try SaturnCommand.parseAsRoot(["eval", "a.csv", "b.csv", "--out", "o"]) as? EvalCommand)
        #expect(eval.files == ["a.csv", "b.csv"] && eval.out == "o" && eval.table.maximumLatency == .infinity)
        let windowed = try #require(try SaturnCommand.parseAsRoot(["fit", "x.csv", "--max-ms", "500"]) as? FitCommand)
        #expect(windowed.table.filter == RowFilter())
        let plan = try #require(
            try SaturnCommand.parseAsRoot(["plan", "--table", "x.csv", "--sla-ms", "80"]) as? PlanCommand)
        #expect(plan.tableOptions.maximumLatency == RowFilter().maximumLatency)
        let bench = try #require(try SaturnCommand.parseAsRoot(["bench", "--no-scipy"]) as? BenchCommand)
        #expect(bench.rows == 10_000 && bench.noScipy)
    }

    @Test func invalidOptionsFailValidation() {
        #expect(throws: (any Error).self) { try SaturnCommand.parseAsRoot(["fit", "x.csv", "--loss", "l1"]) }
        #expect(throws: (any Error).self) { try SaturnCommand.parseAsRoot(["fit", "x.csv", "--min-ms", "9", "--max-ms", "5"]) }
        #expect(throws: (any Error).self) { try SaturnCommand.parseAsRoot(["fit", "x.csv", "--max-ms", "nan"]) }
        #expect(throws: (any Error).self) { try SaturnCommand.parseAsRoot(["fit", "x.csv", "--min-ms", "inf"]) }
        #expect(throws: (any Error).self) { try SaturnCommand.parseAsRoot(["eval", "x.csv", "--where", "nothing"]) }
        #expect(throws: (any Error).self) { try SaturnCommand.parseAsRoot(["bench", "--rows", "5"]) }
    }

    @Test func helpTextNamesTheCommands() {
        let help = SaturnCommand.helpMessage()
        for word in ["fit", "eval", "bench"] { #expect(help.contains(word)) }
    }
}

struct CLIRunTests {
    static let table = Repository.dataFile("steps_splitwise_llama2-70b_h100-80gb_tp4.csv").path

    @Test func fitJSONHasTheDocumentedKeys() throws {
        let r = try runSaturn(["fit", Self.table, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let params = try #require(doc["parameters"] as? [String: Double])
        #expect(Set(params.keys) == Set(LatencyParameters.Name.allCases.map(\.rawValue)))
        let metrics = try #require(doc["metrics"] as? [String: Double])
        for key in ["r2", "rmse_ms", "mae_ms", "mape", "p50_rel_error", "p95_rel_error", "p99_rel_error"] {
            #expect(metrics[key] != nil, "metrics.\(key)")
        }
        #expect(metrics["mape"]! < 0.1)
        let rows = try #require(doc["rows"] as? [String: Any])
        // All 210 rows pass the filter (no upper end by default); the robust gate (on by default) leaves some out,
        // each one listed.
        let rejected = try #require(doc["rejected"] as? [[String: Any]])
        #expect(rows["used"] as? Int == 210 - rejected.count && rows["dropped"] as? Int == 0)
        #expect(rows["rejected"] as? Int == rejected.count)
        #expect(doc["model"] as? String == "base")
        let fit = try #require(doc["fit"] as? [String: Any])
        for key in ["iterations", "converged", "reason", "seconds"] { #expect(fit[key] != nil, "fit.\(key)") }
        // The offline fit gives the same parameters as the library call.
        let lib = try LatencyFitter.fit(
            StepCSV.parse(String(contentsOfFile: Self.table, encoding: .utf8)),
            configuration: FitConfiguration(
                objective: .relative, filter: RowFilter(maximumLatency: .infinity), rejection: OutlierRejection()))
        #expect(lib.rejected.map(\.index) == rejected.map { $0["index"] as? Int })
        #expect(isClose(params["k_S"]!, lib.parameters.kS, rel: 1e-12))
    }

    @Test func evalCrossValidationJSONHasTheDocumentedShape() throws {
        let vidur = Repository.dataFile("steps_vidur_llama2-7b_a100_tp1.csv").path
        let r = try runSaturn(["eval", vidur, "--cv", "--json", "--where", "fits_kv_capacity=1"])
        #expect(r.status == 0, "\(r.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let models = try #require(doc["models"] as? [[String: Any]])
        #expect(models.map { $0["name"] as? String } == ["base", "kv", "kvq"])
        let mape = models.map { $0["cv_mape"] as? Double ?? .infinity }
        #expect(mape.allSatisfy { $0 > 0 && $0 < 1 })
        // KV context explains the decode cost B and S cannot see: the richer models win out of sample.
        #expect(mape[1] < mape[0] - 0.02)
        let chosen = try #require(doc["chosen"] as? String)
        #expect(chosen != "base")
        #expect(doc["cv_mape"] as? Double == mape[models.firstIndex { $0["name"] as? String == chosen }!])
        #expect(doc["folds"] as? Int == 5 && doc["rows_scored"] as? Int == 298)
        #expect(doc["rejected"] is [Any])
        // Every setting of the Vidur table is measured once: no noise floor, no ratio to it.
        #expect(doc["noise_floor"] == nil && doc["noise_floor_rows"] as? Int == 0)
        #expect(models.allSatisfy { $0["floor_ratio"] == nil })
        let scored = try #require(doc["scored_indices"] as? [Int])
        #expect(scored.count == 298)
        for (m, cv) in zip(models, mape) {
            let errors = try #require(m["out_of_fold_errors"] as? [Double])
            #expect(errors.count == 298 && isClose(errors.reduce(0, +) / 298, cv, rel: 1e-12))
        }
        let fit = try runSaturn(["fit", vidur, "--model", "auto", "--json", "--where", "fits_kv_capacity=1"])
        #expect(fit.status == 0, "\(fit.err)")
        let f = try #require(try JSONSerialization.jsonObject(with: Data(fit.out.utf8)) as? [String: Any])
        #expect(f["model"] as? String == chosen)
        #expect((f["parameters"] as? [String: Double])?["tau_K"] != nil)
    }

    @Test func evalCrossValidationReportsTheNoiseFloorOfRepeatedSettings() throws {
        let r = try runSaturn(["eval", Self.table, "--cv", "--json", "--max-ms", "500"])
        #expect(r.status == 0, "\(r.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let floor = try #require(doc["noise_floor"] as? Double)
        #expect(floor > 0 && floor < 0.05)
        // Every setting of the Splitwise table is measured at least 3 times.
        #expect(doc["noise_floor_rows"] as? Int == doc["rows_scored"] as? Int)
        let models = try #require(doc["models"] as? [[String: Any]])
        for m in models {
            let cv = try #require(m["cv_mape"] as? Double)
            #expect(isClose(try #require(m["floor_ratio"] as? Double), cv / floor, rel: 1e-12))
        }
        let settings = try #require(doc["largest_error_settings"] as? [[String: Any]])
        #expect(settings.count == 5)
        let shares = settings.map { $0["share"] as? Double ?? -1 }
        #expect(shares == shares.sorted(by: >) && shares.allSatisfy { $0 > 0 } && shares.reduce(0, +) <= 1)
        for key in ["index", "B", "S", "rows", "cv_mape", "noise_floor"] {
            #expect(settings.allSatisfy { $0[key] != nil }, "largest_error_settings.\(key)")
        }
        let text = try runSaturn(["eval", Self.table, "--cv", "--max-ms", "500"])
        #expect(text.status == 0 && text.out.contains("| noise floor | x floor |"))
        #expect(text.out.contains(String(format: "%.2f%%", floor * 100)))
    }

    @Test func fitTableIsReadable() throws {
        let r = try runSaturn(["fit", Self.table, "--loss", "sse"])
        #expect(r.status == 0)
        #expect(r.out.contains("(loss: sse, model: base)") && r.out.contains("R^2") && r.out.contains("not identifiable"))
    }

    @Test func evalWritesMarkdownSVGAndJSON() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("saturn-eval-\(getpid())").path
        let r = try runSaturn(["eval", Self.table, "--out", out])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("| saturation_relative |") && r.out.contains("| polynomial |"))
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(files.contains("eval.md"))
        #expect(files.filter { $0.hasSuffix("_residuals.svg") }.count == 4)
        let svg = try String(contentsOfFile: out + "/" + files.first { $0.hasSuffix(".svg") }!, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<circle"))
        let j = try runSaturn(["eval", "--json", Self.table])
        let docs = try #require(try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [[String: Any]])
        let models = try #require(docs.first?["models"] as? [[String: Any]])
        #expect(models.map { $0["name"] as? String } == ["saturation_sse", "saturation_relative", "linear", "polynomial"])
    }

    /// Each kind of bad input: one line on stderr, non-zero exit, never a crash.
    @Test(arguments: [
        ("empty.csv", "", "empty file"),
        ("nan.csv", "B,S,T_ms\n1,2,3\n1,nan,3\n", "line 3: S is not finite"),
        ("negative.csv", "B,S,T_ms\n1,2,-3\n", "line 2: T_ms must be > 0"),
        ("zero.csv", "B,S,T_ms\n0,2,3\n", "line 2: B must be > 0"),
        ("columns.csv", "B,T_ms\n1,3\n", "missing column 'S'"),
        ("few.csv", "B,S,T_ms\n1,2,3\n2,4,5\n", "only 2 usable rows"),
        ("ragged.csv", "B,S,T_ms\n1,2\n", "line 2: expected 3 fields"),
        ("window.csv", "B,S,T_ms\n" + String(repeating: "1,2,0.05\n", count: 20), "only 0 usable rows (20 dropped"),
    ])
    func badInputGivesOneLineAndNonZeroExit(name: String, contents: String, message: String) throws {
        let path = try temporaryFile(name, contents)
        for args in [["fit", path], ["fit", path, "--json"], ["eval", path]] {
            let r = try runSaturn(args)
            #expect(r.status != 0, "\(args)")
            let lines = r.err.split(separator: "\n")
            #expect(lines.count == 1, "\(args): \(r.err)")
            #expect(r.err.contains(message), "\(args): \(r.err)")
        }
    }

    @Test func missingFileIsAnErrorNotACrash() throws {
        let r = try runSaturn(["fit", "/nonexistent/steps.csv"])
        #expect(r.status != 0 && r.err.contains("cannot read file"))
    }

    @Test func dropInvalidCountsInsteadOfFailing() throws {
        var text = "B,S,T_ms\n1,nan,3\n0,4,5\n"
        for b in 1...16 { text += "\(b),\(b * 64),\(10 + Double(b) * 0.7 + Double(b * 64) * 0.01)\n" }
        let path = try temporaryFile("lenient.csv", text)
        let r = try runSaturn(["fit", path, "--drop-invalid", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let rows = try #require(doc["rows"] as? [String: Any])
        #expect(rows["used"] as? Int == 16 && rows["dropped"] as? Int == 2)
    }
}

struct DemoTests {
    /// The README's main job, short: simulated workers publish to a live agent and admit through it, with live
    /// progress and the summary table against the static budgets.
    @Test func demoServesTheTraceThroughTheAgent() throws {
        let r = try runSaturn(["demo", "--requests", "120", "--workers", "2", "--speedup", "100",
                               "--grid-tokens", "256,2048", "--grid-seqs", "16,64"])
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(r.out.contains("key llama2-70b@h100-80gb-tp4-sim is new to the agent: it answers from shipped_prior"),
                "\(r.out)")
        // Progress lines: "  1.0 s      25.0 s    1290        42 ..." (at least the final one).
        let progress = lines.filter {
            $0.range(of: #"^ *[0-9.]+ s +[0-9.]+ s +[0-9]+ +[0-9]+ "#, options: .regularExpression) != nil
        }
        #expect(!progress.isEmpty, "\(r.out)")
        // Telemetry reached the agent: every published step accepted.
        let run = try #require(lines.first { $0.contains("steps published,") }, "\(r.out)")
        let counts = run.split(separator: " ").compactMap { Int($0) }
        #expect(counts.count >= 2 && counts[0] > 0 && counts[0] == counts[1], "\(run)")
        // Admissions were made by the agent's admission query.
        let decisions = try #require(lines.first { $0.hasPrefix("admission decisions:") })
        let answered = decisions.split(separator: " ").compactMap { Int($0) }.first ?? 0
        #expect(answered > 0, "\(decisions)")
        // The summary table: Saturn against the grid's best and vLLM's default.
        #expect(lines.contains { $0.hasPrefix("| load | policy | setting | goodput tok/s") })
        for name in ["saturn", "static-best", "static-default"] {
            #expect(lines.contains { $0.hasPrefix("| 1.00 | \(name) |") }, "\(name) row missing: \(r.out)")
        }
        #expect(lines.contains { $0.contains("best goodput of 4 settings") })
    }

    @Test func demoValidatesItsOptions() {
        for args in [["--requests", "0"], ["--requests", "2001"], ["--load", "0"], ["--load", "nan"],
                     ["--sla-ms", "-1"], ["--ttft-ms", "0"], ["--workers", "0"], ["--workers", "99"],
                     ["--requests", "3", "--workers", "4"], ["--noise", "0.6"], ["--variant", "saturn-inprocess"],
                     ["--variant", "fifo"], ["--speedup", "-1"], ["--grid-tokens", "256,x"], ["--grid-seqs", ""]] {
            #expect(throws: (any Error).self, "\(args)") { try SaturnCommand.parseAsRoot(["demo"] + args) }
        }
        #expect(throws: Never.self) {
            try SaturnCommand.parseAsRoot(["demo", "--variant", "saturn-spf-drop", "--speedup", "0"])
        }
    }
}

struct AgentCLITests {
    @Test func badFlagsAndConfigFilesFailWithOneLine() throws {
        for args in [["agent", "--peer", ",tcp://x:1"], ["agent", "--set", "loss=l1"], ["agent", "--set", "fitWindow=2"],
                     ["agent", "--set", "fitEvry=2"], ["agent", "--fit-window", "2"],
                     ["agent", "--telemetry", "localhost:5555"], ["agent", "--config", "/nonexistent.json"],
                     ["agent", "--fpm", "tcp://127.0.0.1:20380"], ["agent", "--fpm", "localhost:1=m@h"],
                     ["agent", "--fpm", "tcp://a:1=m@h", "--fpm", "tcp://a:1=m@h2"],
                     ["agent", "--set", "heartbeatSeconds=0"], ["agent", "--state-dir", "/dev/null"]] {
            let r = try runSaturn(args)
            #expect(r.status != 0, "\(args)")
            #expect(r.err.split(separator: "\n").first.map { $0.hasPrefix("Error:") } == true, "\(args): \(r.err)")
        }
        let bad = try temporaryFile("bad-config.json", #"{"fitEvery": "often"}"#)
        let r = try runSaturn(["agent", "--config", bad])
        #expect(r.status != 0 && r.err.contains("bad-config.json") && r.err.contains("fitEvery"), "\(r.err)")
    }

    @Test func stateDirectoryAndHeartbeatAreConfigurable() throws {
        let r = try runSaturn(["agent", "--state-dir", "/tmp/saturn-state-x", "--set", "heartbeatSeconds=0.25",
                               "--print-config"])
        #expect(r.status == 0, "\(r.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(doc["stateDirectory"] as? String == "/tmp/saturn-state-x")
        #expect(doc["heartbeatSeconds"] as? Double == 0.25)
    }

    @Test func aPortInUseIsAOneLineErrorNotAHang() throws {
        let ctx = try Context()
        defer { ctx.terminate() }
        let holder = try Socket(ctx, .router)
        defer { holder.close() }
        let taken = try holder.bind("tcp://127.0.0.1:*")
        let r = try runSaturn(["agent", "--query", taken, "--telemetry", "tcp://127.0.0.1:*",
                               "--broadcast", "tcp://127.0.0.1:*"])
        #expect(r.status != 0)
        #expect(r.err.contains("zmq_bind") && r.err.contains("in use"), "\(r.err)")
    }
}
