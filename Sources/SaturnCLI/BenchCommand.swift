import ArgumentParser
import Foundation
import SaturnModel
import SaturnNumerics

/// `saturn bench`: prediction cost and fit speed, side by side with SciPy in the same run.
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

    func validate() throws {
        guard rows >= 100, rows <= 10_000_000 else { throw ValidationError("--rows must be in 100...10000000") }
        guard repeats >= 1, repeats <= 100 else { throw ValidationError("--repeats must be in 1...100") }
    }

    func run() throws {
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

        // 2. Fit time on a synthetic table (seeded, Laplace noise like golden laplace_large_n10000).
        let table = Self.syntheticTable(rows: rows, seed: 42)
        var times: [Double] = []
        var report: FitReport? = nil
        for _ in 0..<repeats {
            t0 = clock.now
            report = try LatencyFitter.fit(table, configuration: FitConfiguration(objective: .sumOfSquares))
            times.append(seconds(clock.now - t0))
        }
        times.sort()
        let swiftSeconds = times[times.count / 2]
        let swiftSSE = report!.sumOfSquaredResiduals
        print(String(format: "fit (Swift, %d rows, SSE loss): median %.2f ms over %d runs, SSE %.6g, %d evaluations",
                     rows, swiftSeconds * 1000, repeats, swiftSSE, report!.evaluationCount))
        if sink == 42 { print("") }  // keeps the loops from being optimised away

        guard !noScipy else { return }
        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("saturn-bench-\(getpid()).csv")
        var text = "B,S,T_ms\n"
        for i in 0..<table.count {
            text += "\(table.batchSizes[i]),\(table.tokens[i]),\(table.latencies[i])\n"
        }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: csv) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, scipyScript, csv.path, "--repeats", String(repeats)]
        let pipe = Pipe()
        process.standardOutput = pipe
        do {
            try process.run()
        } catch {
            throw CLIError("cannot run \(python) \(scipyScript): \(error.localizedDescription)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let result = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let scipySeconds = (result["seconds"] as? NSNumber)?.doubleValue,
            let scipySSE = (result["sse"] as? NSNumber)?.doubleValue
        else {
            throw CLIError("\(scipyScript) failed (exit \(process.terminationStatus)); is scipy installed?")
        }
        let nfev = (result["nfev"] as? NSNumber)?.intValue ?? -1
        print(String(format: "fit (SciPy least_squares trf, 2-point jac, design init): median %.2f ms, SSE %.6g, nfev %d",
                     scipySeconds * 1000, scipySSE, nfev))
        print(String(format: "ratio: Swift is %.1fx faster than SciPy (target >= 20x); SSE Swift/SciPy = %.6f (%@)",
                     scipySeconds / swiftSeconds, swiftSSE / scipySSE,
                     swiftSSE <= scipySSE * (1 + 1e-9) ? "no worse" : "WORSE"))
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
