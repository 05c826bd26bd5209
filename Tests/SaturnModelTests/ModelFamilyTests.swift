import SaturnModel
import SaturnNumerics
import Testing

/// Synthetic steps from a known member of the family, relative noise uniform in ±`noise`.
private func synthetic(
    _ truth: FamilyParameters, rows: Int, noise: Double, seed: UInt64
) -> StepTable {
    var rng = SplitMix64(seed: seed)
    var b: [Double] = [], s: [Double] = [], t: [Double] = [], k: [Double] = [], kinds: [Double] = []
    let batches: [Double] = [1, 2, 4, 8, 16, 32, 64]
    for i in 0..<rows {
        let bi = batches[i % batches.count]
        let decode = (i / batches.count) % 2 == 0
        let si = decode ? bi : bi * Double([128, 256, 512][i % 3])
        let ki = bi * Double([256, 1024, 2048, 4096][(i / 3) % 4])
        let ti = truth.latency(batchSize: bi, tokens: si, kvTokens: ki, prefillAttentionTokens: 0)
        b.append(bi)
        s.append(si)
        k.append(ki)
        kinds.append(decode ? StepKind.decode.rawValue : StepKind.prefill.rawValue)
        t.append(ti * (1 + noise * (2 * rng.nextUniform() - 1)))
    }
    return StepTable(batchSizes: b, tokens: s, latencies: t, extraColumns: [.kvTokens: k, .stepType: kinds])
}

private let base = LatencyParameters(
    pMax: 80, kB: 0.08, kS: 0.004, w0: 15, w1: 0.6, tau0: 3, tauB: 0.05, tauS: 0.002)

struct ModelFamilyTests {
    @Test func gradientMatchesFiniteDifferences() {
        let p = FamilyParameters(family: .kvq, base: base, coefficients: [.kvContext: 3e-4, .prefillAttention: 2e-7])
        let (b, s, k, q) = (12.0, 700.0, 9000.0, 40000.0)
        let g = p.gradient(batchSize: b, tokens: s, kvTokens: k, prefillAttentionTokens: q)
        #expect(g.count == 10)
        func latency(_ v: [Double]) -> Double {
            FamilyParameters(family: .kvq, base: LatencyParameters(vector: Array(v[0..<8])),
                             coefficients: [.kvContext: v[8], .prefillAttention: v[9]])
                .latency(batchSize: b, tokens: s, kvTokens: k, prefillAttentionTokens: q)
        }
        let x = base.vector + [3e-4, 2e-7]
        for j in 0..<10 {
            let h = Swift.max(abs(x[j]), 1e-6) * 1e-6
            var up = x, down = x
            up[j] += h
            down[j] -= h
            let fd = (latency(up) - latency(down)) / (2 * h)
            #expect(abs(fd - g[j]) <= 1e-6 * Swift.max(abs(g[j]), 1e-3), "parameter \(j): \(fd) vs \(g[j])")
        }
    }

    @Test func predictionsWithoutTheColumnsUseZero() {
        let p = FamilyParameters(family: .kv, base: base, coefficients: [.kvContext: 1e-3])
        let plain = StepTable(batchSizes: [4], tokens: [4], latencies: [10])
        #expect(p.predictions(for: plain) == [base.latency(batchSize: 4, tokens: 4)])
        #expect(p.predictedLatency(batchSize: 4, tokens: 4) == base.latency(batchSize: 4, tokens: 4))
    }

    @Test func kvFitRecoversTheTermAndBaseStaysExact() throws {
        let truth = FamilyParameters(family: .kv, base: base, coefficients: [.kvContext: 4e-4])
        let table = synthetic(truth, rows: 168, noise: 0, seed: 1)
        let fit = try LatencyFitter.fit(table, configuration: FitConfiguration(objective: .relative, family: .kv))
        #expect(fit.family == .kv)
        #expect(abs(fit.model.tauK - 4e-4) < 4e-6, "tau_K \(fit.model.tauK)")
        #expect(QualityMetrics(fit.model, on: table).meanRelativeError < 1e-3)
        // The base model cannot see K.
        let plain = try LatencyFitter.fit(table, configuration: FitConfiguration(objective: .relative))
        #expect(QualityMetrics(plain.model, on: table).meanRelativeError > 0.02)
    }

    @Test func gateRejectsExactlyThePlantedOutliers() throws {
        let truth = FamilyParameters(family: .base, base: base)
        var table = synthetic(truth, rows: 140, noise: 0.02, seed: 7)
        let planted = [5, 40, 77, 120]
        table.latencies[5] *= 3  // a stall
        table.latencies[40] /= 4  // impossibly fast
        table.latencies[77] *= 2.5
        table.latencies[120] /= 3
        let fit = try LatencyFitter.fit(
            table, configuration: FitConfiguration(objective: .relative, rejection: OutlierRejection()))
        #expect(fit.rejected.map(\.index) == planted)
        #expect(fit.rowsUsed == fit.filter.kept - 4)
        #expect(fit.rejected.allSatisfy { abs($0.relativeResidual) > 0.5 })
        // Clean rows are kept, and without the gate the planted rows bend the fit.
        let clean = try LatencyFitter.fit(
            table.rows((0..<140).filter { !planted.contains($0) }), configuration: FitConfiguration(objective: .relative))
        #expect(abs(fit.parameters.w1 / fit.parameters.pMax - clean.parameters.w1 / clean.parameters.pMax)
            <= 1e-9 * clean.parameters.w1 / clean.parameters.pMax)
        let none = try LatencyFitter.fit(table, configuration: FitConfiguration(objective: .relative))
        #expect(none.rejected.isEmpty)
    }

    @Test func groupedFoldsNeverSplitAGroup() {
        let table = StepTable(
            batchSizes: [1, 1, 2, 2, 2, 4, 4, 8, 8, 16, 16, 32],
            tokens: [1, 1, 2, 2, 2, 4, 4, 8, 8, 16, 16, 32],
            latencies: [Double](repeating: 1, count: 12),
            extraColumns: [.kvTokens: [5, 5, 1, 1, 2, 0, 0, 0, 0, 0, 0, 0]])
        let groups = GroupedKFold.groups(of: table)
        #expect(groups == [0, 0, 1, 1, 2, 3, 3, 4, 4, 5, 5, 6])
        let split = GroupedKFold(groups: groups, splits: 5)
        #expect(split.groupCount == 7)
        var tested = [Int]()
        for fold in split.folds {
            #expect(!fold.test.isEmpty)
            #expect(Set(fold.train).isDisjoint(with: fold.test) && fold.train.count + fold.test.count == 12)
            let testGroups = Set(fold.test.map { groups[$0] })
            #expect(fold.train.allSatisfy { !testGroups.contains(groups[$0]) })
            tested += fold.test
        }
        #expect(tested.sorted() == Array(0..<12))
    }

    @Test func selectionPrefersBaseUnlessARicherFamilyWinsOutOfSample() throws {
        let withKV = synthetic(
            FamilyParameters(family: .kv, base: base, coefficients: [.kvContext: 4e-4]), rows: 168, noise: 0.01,
            seed: 3)
        let kv = try FamilySelection(table: withKV)
        #expect(kv.chosen != .base)
        #expect(kv.candidates[1].cvMAPE < kv.candidates[0].cvMAPE)
        let plain = synthetic(FamilyParameters(family: .base, base: base), rows: 168, noise: 0.01, seed: 3)
        let b = try FamilySelection(table: plain)
        #expect(b.chosen == .base)
        #expect(b.rejected.isEmpty)
    }

    @Test func csvReadsTheTermColumnsAndTheQRule() throws {
        let splitwise = try StepCSV.parse(
            "B,S,T_ms,step_type,decode_tokens,prefill_tokens,kv_tokens\n4,2048,300,prefill,0,2048,2048\n"
                + "8,8,30,decode,8,0,4608\n")
        #expect(splitwise[.kvTokens] == [2048, 4608])
        #expect(splitwise[.decodeTokens] == [0, 8])
        #expect(splitwise.prefillAttentionTokens == [4 * 512 * 512, 0])
        let vidur = try StepCSV.parse(
            "B,S,T_ms,step_type,n_prefill_reqs,prefill_chunk,kv_tokens\n5,320,20,mixed,1,256,9000\n3,192,16,prefill,3,64,192\n")
        #expect(vidur.prefillAttentionTokens == [256 * 256, 3 * 64 * 64])
        #expect(vidur.rows([1])[.kvTokens] == [192])
        let plain = try StepCSV.parse("B,S,T_ms\n1,2,3\n")
        #expect(plain.kvContextTokens == [0] && plain.prefillAttentionTokens == [0])
        #expect(throws: StepCSV.ParseError.self) { try StepCSV.parse("B,S,T_ms,kv_tokens\n1,2,3,-4\n") }
        // The filter keeps the columns of the rows it keeps.
        #expect(RowFilter().apply(to: vidur).kept == vidur)
    }
}
