import Foundation
import SaturnNumerics
import SaturnSimulator
import SaturnTestKit
import Testing

struct StepTruthTests {
    /// Every setting the truth is built from (the median of its repeated rows) is reproduced within 5%, on every
    /// table of data/.
    @Test func reproducesEveryMeasuredSettingWithinFivePercent() throws {
        let tables = try Repository.stepTables()
        #expect(tables.count == 10)
        for url in tables {
            let table = try MeasuredStepTable.load(url.path)
            let truth = try StepTruth(table: table, noise: 0)
            let errors = truth.buildPointErrors
            #expect(errors.count == truth.buildPoints.count && errors.count >= 30, "\(url.lastPathComponent)")
            let worst = errors.max() ?? .infinity
            #expect(worst <= 0.05, "\(url.lastPathComponent): worst build-point error \(worst)")
            // Every row the truth is built from lies in one of the settings.
            let used = truth.buildPoints.reduce(0) { $0 + $1.lines.count }
            let buildable = table.rows.filter {
                $0.kind == .decode || ($0.kind == .prefill && $0.prefillPriorContext == 0)
            }.count
            #expect(used == buildable)
        }
    }

    /// Raw rows (before the median of repeats): the truth is within 5% of at least 90% of them; the rest are
    /// repeats that differ from their own setting's median by more than that (measurement spread, up to 20% in
    /// the Splitwise prefill rows).
    @Test func rawRowsAgreeUpToTheirRepeatSpread() throws {
        for url in try Repository.stepTables() {
            let table = try MeasuredStepTable.load(url.path)
            let truth = try StepTruth(table: table, noise: 0)
            let rows = table.rows.filter { $0.kind == .decode || ($0.kind == .prefill && $0.prefillPriorContext == 0) }
            let within = rows.filter { abs(truth.latencyMs(of: $0) - $0.latencyMs) / $0.latencyMs <= 0.05 }.count
            #expect(Double(within) >= 0.9 * Double(rows.count), "\(url.lastPathComponent): \(within)/\(rows.count)")
        }
    }

    /// The mixed-step rule against Vidur's composed mixed rows, which the truth is not built from.
    @Test func mixedRuleAgainstVidurMixedRows() throws {
        let table = try MeasuredStepTable.load(Repository.dataFile("steps_vidur_llama2-7b_a100_tp1.csv").path)
        let truth = try StepTruth(table: table, noise: 0)
        let errors = truth.mixedRowErrors(table)
        #expect(errors.count == 214)
        #expect(Descriptive.median(errors) < 0.10)
    }

    /// Decode latency grows with the decoding requests' KV context; prefill grows with tokens.
    @Test func dependsOnKVContext() throws {
        for name in ["steps_splitwise_llama2-70b_h100-80gb_tp4.csv", "steps_vidur_llama2-7b_a100_tp1.csv"] {
            let table = try MeasuredStepTable.load(Repository.dataFile(name).path)
            let floor = try KVCacheCapacity.of(table).kvReadMsPerToken
            #expect(floor > 0)
            let truth = try StepTruth(table: table, noise: 0, kvReadFloorMsPerToken: floor)
            #expect(truth.kvSlopeMsPerToken >= floor, "\(name)")
            let short = truth.decodeLatencyMs(requests: 64, contextTokens: 64 * 300)
            let long = truth.decodeLatencyMs(requests: 64, contextTokens: 64 * 3000)
            #expect(long > short * 1.02, "\(name): \(short) -> \(long)")
            #expect(truth.prefillLatencyMs(requests: 1, tokens: 1024) > truth.prefillLatencyMs(requests: 1, tokens: 256))
            #expect(truth.priorContextCostMs(chunk: 256, prior: 2048) > 0)
            #expect(truth.priorContextCostMs(chunk: 256, prior: 0) == 0)
        }
    }

    /// Noise: seeded (same seed, same latencies), mean 1 and relative spread about `noise`.
    @Test func noiseIsSeededWithTheGivenSpread() throws {
        let table = try MeasuredStepTable.load(Repository.dataFile("steps_splitwise_llama2-70b_h100-80gb_tp4.csv").path)
        let truth = try StepTruth(table: table, noise: 0.02)
        var shape = StepShape()
        shape.decodeRequests = 32
        shape.decodeContextTokens = 32 * 600
        let exact = truth.latencyMs(shape)
        var a = SplitMix64(seed: 7)
        var b = SplitMix64(seed: 7)
        let xs = (0..<20_000).map { _ in truth.sample(shape, using: &a) / exact }
        let ys = (0..<20_000).map { _ in truth.sample(shape, using: &b) / exact }
        #expect(xs == ys)
        let mean = Descriptive.mean(xs)
        let sd = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)).squareRoot()
        #expect(abs(mean - 1) < 0.001 && abs(sd - 0.02) < 0.001)
        #expect(throws: SimulationError.self) { try StepTruth(table: table, noise: .nan) }
    }

    @Test func badTablesAreRejectedWithACode() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saturn-sim-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let decodeOnly = dir.appendingPathComponent("decode.csv")
        try "B,S,T_ms,step_type,decode_ctx\n1,1,10,decode,100\n2,2,11,decode,100\n".write(
            to: decodeOnly, atomically: true, encoding: .utf8)
        #expect(throws: SimulationError.self) { try StepTruth(table: try MeasuredStepTable.load(decodeOnly.path)) }
        let bad = dir.appendingPathComponent("bad.csv")
        try "B,S,T_ms,step_type\n1,1,-3,decode\n".write(to: bad, atomically: true, encoding: .utf8)
        do {
            _ = try MeasuredStepTable.load(bad.path)
            Issue.record("a negative latency was accepted")
        } catch {
            #expect(error.code == .invalidValue)
        }
        #expect(throws: SimulationError.self) { try MeasuredStepTable.load(dir.appendingPathComponent("none.csv").path) }
    }

    @Test func kvCapacityFromModelAndGPUs() throws {
        let c = KVCacheCapacity(model: .llama2_70b, gpuMemoryBytes: 80e9, tensorParallel: 4)
        #expect(c.kvBytesPerToken == 327_680)
        #expect(c.tokens == Int((80e9 * 4 * 0.9 - 68.98e9 * 2) / 327_680))
        let small = KVCacheCapacity(model: .llama2_70b, gpuMemoryBytes: 80e9, tensorParallel: 1)
        #expect(small.tokens == 0)  // the weights alone do not fit one GPU
        let seven = try KVCacheCapacity.of(
            try MeasuredStepTable.load(Repository.dataFile("steps_vidur_llama2-7b_a100_tp1.csv").path))
        #expect((100_000...120_000).contains(seven.tokens))  // Vidur's table assumes about 105,000
    }
}
