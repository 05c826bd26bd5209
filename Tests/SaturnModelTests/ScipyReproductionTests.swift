import Foundation
@testable import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

/// `ops/saturn_algorithm.py` reproduces LatencyFitter's starts so that `saturn bench` can time SciPy on Saturn's
/// own algorithm ("language versus algorithm"). This checks that the Python starts are the very same ones. It needs
/// `python3` with numpy and scipy, as the test command documents (`.ci/run` installs them), and fails without them.
struct ScipyReproductionTests {

    static let pythonWithScipy: Bool = {
        (try? run(["python3", "-c", "import numpy, scipy"]))?.status == 0
    }()

    static func run(_ arguments: [String]) throws -> (status: Int32, out: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }

    /// Saturn's starts for `table`, set up as `LatencyFitter.fitFiltered` does (no regulariser).
    static func swiftStarts(_ table: StepTable, objective: FitConfiguration.Objective) -> [[Double]] {
        let kept = RowFilter().apply(to: table).kept
        let configuration = FitConfiguration(objective: objective)
        let bounds = ParameterBounds.physical
        let mB = Descriptive.median(kept.batchSizes)
        let mS = Descriptive.median(kept.tokens)
        let sw = objective == .relative ? kept.latencies.map { 1 / $0 } : [Double](repeating: 1, count: kept.count)
        let ratio1Min = bounds.lower[4] / bounds.upper[0]
        let lower = [bounds.lower[1] * mB, bounds.lower[2] * mS, 0, ratio1Min * mS, 0, 0, 0]
        let upper = [bounds.upper[1] * mB, bounds.upper[2] * mS, .infinity, .infinity, .infinity, .infinity, .infinity]
        let design = LatencyFitter.designInitialValues(kept)
        let grid = LatencyFitter.gridStarts(
            bn: kept.batchSizes.map { $0 / mB }, sn: kept.tokens.map { $0 / mS }, t: kept.latencies, sw: sw,
            lower: lower, upper: upper, configuration: configuration)
        return [LatencyFitter.normalised(design, pMax: design.pMax, mB: mB, mS: mS)] + grid.starts
    }

    static func syntheticTable(rows: Int) -> StepTable {
        var rng = SplitMix64(seed: 42)
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

    @Test func pythonStartsAreSaturns() throws {
        try #require(Self.pythonWithScipy, "python3 with numpy and scipy is part of the test setup (see .ci/run)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saturn-starts-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let synthetic = directory.appendingPathComponent("synthetic.csv")
        let table = Self.syntheticTable(rows: 10_000)
        var text = "B,S,T_ms\n"
        for i in 0..<table.count { text += "\(table.batchSizes[i]),\(table.tokens[i]),\(table.latencies[i])\n" }
        try text.write(to: synthetic, atomically: true, encoding: .utf8)
        let real = Repository.root.appendingPathComponent("data/steps_splitwise_llama2-70b_h100-80gb_tp4.csv")
        for file in [synthetic, real] {
            let rows = try StepCSV.parse(String(contentsOf: file, encoding: .utf8))
            for (objective, loss) in [(FitConfiguration.Objective.sumOfSquares, "sse"), (.relative, "relative")] {
                let script = Repository.root.appendingPathComponent("ops/bench_scipy.py").path
                let r = try Self.run(["python3", script, file.path, "--starts", "--loss", loss])
                try #require(r.status == 0)
                let doc = try #require(try JSONSerialization.jsonObject(with: r.out) as? [String: Any])
                let python = try #require(doc["starts"] as? [[Any]]).map { ($0[1] as? [Double]) ?? [] }
                let swift = Self.swiftStarts(rows, objective: objective)
                try #require(python.count == swift.count, "\(file.lastPathComponent) \(loss): start count")
                for (k, (p, s)) in zip(python, swift).enumerated() {
                    for j in 0..<7 {
                        #expect(abs(p[j] - s[j]) <= 1e-7 * max(abs(s[j]), 1e-6),
                                "\(file.lastPathComponent) \(loss) start \(k)[\(j)]: python \(p[j]), swift \(s[j])")
                    }
                }
            }
        }
    }
}
