import ArgumentParser
import Foundation
import SaturnModel
import SaturnNumerics

/// `saturn bench`: prediction cost and fit speed, side by side with SciPy in the same run.
///
/// The fit is timed three ways, one run of each per round (alternating), medians over `--repeats` rounds: Saturn;
/// SciPy as a seed user runs it (the design's single start, finite differences); and SciPy running Saturn's own
/// algorithm (same starts, schedule and tolerances, analytic Jacobian; `ops/saturn_algorithm.py`). The first ratio
/// is what a user gets; the other two split it into the language (with the local solver) and the algorithm.
///
/// `saturn bench --families [--table FILE]` measures instead the fit and prediction cost of each model family on a
/// step table (``FamilyBenchmark``).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark prediction and fitting against SciPy (build with -c release for meaningful numbers).")

    @Option(help: "Rows of the synthetic fit table.")
    var rows: Int = 10_000

    @Option(help: "Timed repetitions of each fit (the median is reported).")
    var repeats: Int = 5

    @Option(help: "Python interpreter with numpy and scipy.")
    var python: String = "python3"

    @Option(help: "The SciPy side of the benchmark.")
    var scipyScript: String = "ops/bench_scipy.py"

    @Flag(help: "Skip the SciPy comparison.")
    var noScipy = false

    @Option(help: "Loss of the timed fits: sse or relative.")
    var loss: FitCommand.LossName = .sse

    @Option(help: "OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) for the SciPy process (one thread is faster at this size).")
    var scipyThreads: Int = 1

    @Option(help: .hidden)
    var writeTable: String?

    @Flag(
        help: ArgumentHelp(
            "Measure instead the fit time and the prediction cost of each model family (base, kv, kvq) on a step "
                + "table (--table; --loss, the row filter and the robust gate as given)."))
    var families = false

    @Option(
        help: ArgumentHelp(
            "Step CSV of --families (default: \(Self.defaultFamilyTable) with --where \(Self.defaultFamilyCondition)).",
            valueName: "FILE"))
    var table: String?

    @Option(help: "Predictions per arm and round of --families (rounded up to whole passes over 4,096 rows).")
    var predictionCalls: Int = 4_000_000

    @OptionGroup var tableOptions: TableOptions

    @OptionGroup var rejectionOptions: RejectionOptions

    /// The table of `--families` without `--table`: Vidur's, where K carries signal (README "Out-of-sample
    /// accuracy"), restricted to the steps that fit the KV capacity.
    static let defaultFamilyTable = "data/steps_vidur_llama2-7b_a100_tp1.csv"
    static let defaultFamilyCondition = "fits_kv_capacity=1"

    func validate() throws {
        guard rows >= 100, rows <= 10_000_000 else { throw ValidationError("--rows must be in 100...10000000") }
        guard repeats >= 1, repeats <= 100 else { throw ValidationError("--repeats must be in 1...100") }
        guard scipyThreads >= 1 else { throw ValidationError("--scipy-threads must be >= 1") }
        guard predictionCalls >= 1, predictionCalls <= 1_000_000_000 else {
            throw ValidationError("--prediction-calls must be in 1...1000000000")
        }
        if families {
            if writeTable != nil { throw ValidationError("--write-table does not combine with --families") }
        } else {
            let defaults = try TableOptions.parse([])
            let tableOptionsGiven =
                table != nil || !tableOptions.conditions.isEmpty || tableOptions.dropInvalid
                || tableOptions.minimumLatency != defaults.minimumLatency
                || tableOptions.maximumLatency != defaults.maximumLatency
            let defaultGate = try RejectionOptions.parse([])
            let gateGiven = rejectionOptions.noReject || rejectionOptions.rejectZ != defaultGate.rejectZ
            if tableOptionsGiven || gateGiven {
                throw ValidationError(
                    "--table, --where, --min-ms, --max-ms, --drop-invalid, --reject-z and --no-reject apply to "
                        + "--families only")
            }
        }
    }

    func run() throws {
        if families {
            print(try familyBenchmark().text)
            return
        }
        if let writeTable {
            // The benchmark's input, for ops/bench_fit_command.py (the whole `saturn fit` command against Python).
            try Self.writeCSV(Self.syntheticTable(rows: rows, seed: 42), to: writeTable)
            return
        }
        #if DEBUG
            print("note: debug build; run `swift run -c release saturn bench` for meaningful numbers")
        #endif
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        // 1. Prediction cost, against a baseline of the two exponentials it needs.
        let p = LatencyParameters(pMax: 80, kB: 0.08, kS: 0.004, w0: 15, w1: 0.6, tau0: 3, tauB: 0.05, tauS: 0.002)
        let calls = 10_000_000
        var sink = 0.0
        var t0 = clock.now
        for i in 0..<calls {
            let b = Double(1 + (i & 63))
            let s = Double(1 + (i & 2047))
            sink += p.latency(batchSize: b, tokens: s)
        }
        let predictNs = seconds(clock.now - t0) / Double(calls) * 1e9
        t0 = clock.now
        for i in 0..<calls {
            let b = Double(1 + (i & 63))
            let s = Double(1 + (i & 2047))
            sink += Foundation.exp(-0.08 * b) + Foundation.exp(-0.004 * s)
        }
        let expNs = seconds(clock.now - t0) / Double(calls) * 1e9
        print(String(format: "predict: %.1f ns per latency prediction (target < 50); baseline 2x exp: %.1f ns; ratio %.2f",
                     predictNs, expNs, predictNs / expNs))

        // 2. Fit time on a synthetic table (seeded, Laplace noise like golden laplace_large_n10000), alternating
        // with the SciPy variants (one fit each per round) when SciPy runs.
        let table = Self.syntheticTable(rows: rows, seed: 42)
        // 2a. Reading the same table as `saturn fit` does (bytes of the CSV, shortest round-trip decimals).
        var csvBytes = Array(Self.csvText(table).utf8)
        var parseTimes: [Double] = []
        for _ in 0..<repeats {
            t0 = clock.now
            let parsed = try csvBytes.withUnsafeBufferPointer { try StepCSV.parse(utf8: $0) }
            parseTimes.append(seconds(clock.now - t0))
            if parsed.count != table.count { throw CLIError("CSV round trip lost rows") }
        }
        print(String(format: "csv: parse %d rows (%.0f kB) median %.2f ms over %d runs", rows,
                     Double(csvBytes.count) / 1000, Self.median(parseTimes) * 1000, repeats))
        csvBytes = []
        let objective: FitConfiguration.Objective = loss == .sse ? .sumOfSquares : .relative
        let scipy = noScipy ? nil : try ScipyServer(python: python, script: scipyScript, table: table, loss: loss,
                                                      threads: scipyThreads)
        defer { scipy?.close() }
        var times: [Double] = []
        var scipyRuns: [String: [ScipyServer.Run]] = [:]
        var report: FitReport? = nil
        for _ in 0..<repeats {
            t0 = clock.now
            report = try LatencyFitter.fit(table, configuration: FitConfiguration(objective: objective))
            times.append(seconds(clock.now - t0))
            for variant in ScipyServer.variants {
                if let run = try scipy?.fit(variant) { scipyRuns[variant, default: []].append(run) }
            }
        }
        let swiftSeconds = Self.median(times)
        let swift = report!
        print(String(format: "fit (Swift, %d rows, %@ loss): median %.2f ms over %d runs, objective %.6g, SSE %.6g, "
                     + "%d evaluations over %d starts", rows, loss.rawValue, swiftSeconds * 1000, repeats,
                     swift.objectiveValue, swift.sumOfSquaredResiduals, swift.evaluationCount, swift.startCount))
        if sink == 42 { print("") }  // keeps the loops from being optimised away

        guard let scipy, let seed = scipyRuns["seed"], let same = scipyRuns["saturn"] else { return }
        let seedSeconds = Self.median(seed.map(\.seconds))
        let sameSeconds = Self.median(same.map(\.seconds))
        let environment = scipy.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: " ")
        print("SciPy: \(scipy.versions); environment: \(environment.isEmpty ? "(none set)" : environment)")
        print(String(format: "fit (SciPy seed user: least_squares trf, 1 design start, 2-point jac, default tol): "
                     + "median %.2f ms, objective %.6g, SSE %.6g, nfev %d", seedSeconds * 1000, seed.last!.objective,
                     seed.last!.sse, seed.last!.nfev))
        print(String(format: "fit (SciPy, Saturn's algorithm: same %d starts and schedule, analytic jac, tol 1e-12): "
                     + "median %.2f ms, objective %.6g, SSE %.6g, nfev %d, njev %d", same.last!.starts,
                     sameSeconds * 1000, same.last!.objective, same.last!.sse, same.last!.nfev, same.last!.njev))
        // The same algorithm must reach the same optimum, or the comparison is not like for like.
        let gap = same.last!.objective / swift.objectiveValue - 1
        print(String(format: "  same optimum: SciPy/Swift objective - 1 = %+.2e (%@); seed user's objective is %+.1f%%",
                     gap, abs(gap) <= 1e-6 ? "equal within 1e-6" : "DIFFERENT, ratios below are not like for like",
                     (seed.last!.objective / swift.objectiveValue - 1) * 100))
        print(String(format: "ratio: Swift is %.1fx faster than the seed user's SciPy (target >= 20x): "
                     + "what a user gets, language and algorithm together", seedSeconds / swiftSeconds))
        print(String(format: "  language (and local solver): %.1fx = SciPy with Saturn's algorithm / Swift",
                     sameSeconds / swiftSeconds))
        print(String(format: "  algorithm, in Python: %.1fx = SciPy seed user / SciPy with Saturn's algorithm",
                     seedSeconds / sameSeconds))
        print("  runs (ms): Swift " + times.map { String(format: "%.2f", $0 * 1000) }.joined(separator: ", ")
              + "; SciPy same algorithm " + same.map { String(format: "%.1f", $0.seconds * 1000) }
              .joined(separator: ", ") + "; SciPy seed " + seed.map { String(format: "%.0f", $0.seconds * 1000) }
              .joined(separator: ", "))
    }

    /// `--families`: loads the table (``defaultFamilyTable`` and its condition when `--table` is not given) and runs
    /// ``FamilyBenchmark``.
    func familyBenchmark() throws -> FamilyBenchmark {
        #if DEBUG
            print("note: debug build; run `swift run -c release saturn bench --families` for meaningful numbers")
        #endif
        var options = tableOptions
        if table == nil && options.conditions.isEmpty { options.conditions = [Self.defaultFamilyCondition] }
        let path = table ?? Self.defaultFamilyTable
        let steps = try options.load(path)
        let source = ([path] + options.conditions.map { "--where \($0)" }).joined(separator: " ")
        let configuration = FitConfiguration(
            objective: loss == .sse ? .sumOfSquares : .relative, filter: options.filter,
            rejection: rejectionOptions.rejection)
        return try FamilyBenchmark.measure(
            table: steps, source: source, configuration: configuration, repeats: repeats,
            predictionCalls: predictionCalls)
    }

    static func median(_ values: [Double]) -> Double {
        let v = values.sorted()
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }

    /// `table` as CSV text (`B,S,T_ms`, shortest round-trip decimals).
    static func csvText(_ table: StepTable) -> String {
        var text = "B,S,T_ms\n"
        text.reserveCapacity(table.count * 32)
        for i in 0..<table.count {
            text += "\(table.batchSizes[i]),\(table.tokens[i]),\(table.latencies[i])\n"
        }
        return text
    }

    /// Writes `table` as CSV (``csvText(_:)``).
    static func writeCSV(_ table: StepTable, to path: String) throws {
        let text = csvText(table)
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CLIError("\(path): cannot write (\(error.localizedDescription))")
        }
    }

    /// A reproducible table shaped like real traffic: B in 1...64, S uniform in 16...2048, Laplace noise.
    static func syntheticTable(rows: Int, seed: UInt64) -> StepTable {
        var rng = SplitMix64(seed: seed)
        let truth = LatencyParameters(pMax: 100, kB: 0.06, kS: 0.003, w0: 0, w1: 0.8, tau0: 4, tauB: 0.04,
                                      tauS: 0.0015)
        var t = StepTable()
        for _ in 0..<rows {
            let b = Double(1 + Int(rng.next() % 64))
            let s = Double(16 + Int(rng.next() % 2033))
            let u = rng.nextUniform() - 0.5
            let noise = -0.8 * (u < 0 ? -1 : 1) * Foundation.log(1 - 2 * abs(u))
            t.append(batchSize: b, tokens: s, latency: truth.latency(batchSize: b, tokens: s) + noise)
        }
        return t
    }
}

/// `ops/bench_scipy.py --serve`: a Python process that runs one timed SciPy fit per request, so the Swift and SciPy
/// fits alternate in the same run.
final class ScipyServer {
    /// The variants timed each round: the seed user's fit and Saturn's algorithm in SciPy.
    static let variants = ["seed", "saturn"]

    struct Run {
        var seconds: Double
        var objective: Double
        var sse: Double
        var nfev: Int
        var njev: Int
        var starts: Int
    }

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer: [UInt8] = []
    private let csv: URL
    let script: String
    /// OpenBLAS/OpenMP variables as the Python process saw them.
    private(set) var environment: [String: String] = [:]
    private(set) var versions = ""

    init(python: String, script: String, table: StepTable, loss: FitCommand.LossName, threads: Int) throws {
        self.script = script
        csv = FileManager.default.temporaryDirectory.appendingPathComponent("saturn-bench-\(getpid()).csv")
        try BenchCommand.writeCSV(table, to: csv.path)
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = String(threads)
        env["OMP_NUM_THREADS"] = String(threads)
        process.environment = env
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, csv.path, "--serve", "--loss", loss.rawValue]
        process.standardInput = input
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: csv)
            throw CLIError("cannot run \(python) \(script): \(error.localizedDescription)")
        }
        guard let ready = readObject(), ready["ready"] as? Bool == true else {
            close()
            throw CLIError("\(script) failed to start (exit \(process.isRunning ? 0 : process.terminationStatus)); "
                + "is scipy installed?")
        }
        for (k, v) in ready["environment"] as? [String: Any] ?? [:] {
            if let v = v as? String { environment[k] = v }
        }
        versions = ready["versions"] as? String ?? ""
    }

    /// One timed fit of `variant`.
    func fit(_ variant: String) throws -> Run {
        input.fileHandleForWriting.write(Data((variant + "\n").utf8))
        guard let o = readObject(), let seconds = (o["seconds"] as? NSNumber)?.doubleValue,
            let objective = (o["objective"] as? NSNumber)?.doubleValue, let sse = (o["sse"] as? NSNumber)?.doubleValue
        else {
            throw CLIError("\(script) failed during the '\(variant)' fit")
        }
        return Run(
            seconds: seconds, objective: objective, sse: sse, nfev: (o["nfev"] as? NSNumber)?.intValue ?? -1,
            njev: (o["njev"] as? NSNumber)?.intValue ?? -1, starts: (o["starts"] as? NSNumber)?.intValue ?? -1)
    }

    func close() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.waitUntilExit() }
        try? FileManager.default.removeItem(at: csv)
    }

    /// The next line of output as a JSON object (nil at end of output or on malformed JSON).
    private func readObject() -> [String: Any]? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Data(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return (try? JSONSerialization.jsonObject(with: line)) as? [String: Any]
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer += chunk
        }
    }
}
