import SaturnModel
import SaturnTestKit
import Testing

/// `throughput.json`: the exact `(B, S)` maximising tokens per millisecond under a latency limit.
struct CapacityTests {
    @Test func exactOptimumMatchesTheGoldenCases() throws {
        let cases = try Golden("throughput").cases()
        #expect(cases.count == 15)
        for c in cases {
            let p = try c.parameters("theta")
            let bRange = try c.doubles("B_range")
            let sRange = try c.doubles("S_range")
            let r = Capacity.maximise(
                latencyLimitMs: c.double("L_ms")!, batchSizes: Int(bRange[0])...Int(bRange[1]),
                minimumTokens: sRange[0], maximumTokens: sRange[1], parameters: p)
            let perB = try c.objects("per_B")
            try #require(perB.count == r.rows.count)
            for (row, e) in zip(r.rows, perB) {
                #expect(row.batchSize == e.int("B"))
                guard e.bool("feasible") == true else {
                    #expect(row.feasibleTokens == nil && row.best == nil, "\(c.id) B=\(row.batchSize)")
                    continue
                }
                let f = try #require(row.feasibleTokens, "\(c.id) B=\(row.batchSize) feasible")
                let best = try #require(row.best)
                #expect(abs(f.lowerBound - e.double("S_lo")!) <= 1e-7, "\(c.id) B=\(row.batchSize) S_lo")
                #expect(abs(best.tokens - e.double("S_best")!) <= 1e-7, "\(c.id) B=\(row.batchSize) S_best")
                #expect(isClose(best.tokensPerMs, e.double("value")!, rel: 1e-10), "\(c.id) B=\(row.batchSize) value")
                #expect(isClose(best.latencyMs, e.double("T_at_S_best")!, rel: 1e-10), "\(c.id) T")
                #expect(best.isLatencyBound == e.bool("constraint_active"), "\(c.id) B=\(row.batchSize) active")
                let integer = try #require(row.bestInteger)
                #expect(integer.tokens == e.double("S_best_int"), "\(c.id) B=\(row.batchSize) S_int")
                #expect(isClose(integer.tokensPerMs, e.double("value_int")!, rel: 1e-10), "\(c.id) value_int")
            }
            if c.isNull("exact_best_continuous_S") {
                #expect(r.best == nil && r.bestInteger == nil, "\(c.id) infeasible")
                continue
            }
            let e = try c.object("exact_best_continuous_S")
            let best = try #require(r.best)
            #expect(best.batchSize == e.int("B"), "\(c.id) B")
            #expect(abs(best.tokens - e.double("S")!) <= 1e-7, "\(c.id) S")
            #expect(isClose(best.tokensPerMs, e.double("value")!, rel: 1e-10), "\(c.id) value")
            #expect(best.isLatencyBound == e.bool("constraint_active"), "\(c.id) active")
            if let gap = e.double("relative_gap_to_second_best_B") {
                #expect(isClose(r.relativeGapToSecondBest ?? .nan, gap, rel: 1e-6, abs: 1e-12), "\(c.id) gap")
            }
            let ei = try c.object("exact_best_integer_S")
            let integer = try #require(r.bestInteger)
            #expect(integer.batchSize == ei.int("B") && integer.tokens == ei.double("S"), "\(c.id) integer")
            #expect(isClose(integer.tokensPerMs, ei.double("value")!, rel: 1e-10), "\(c.id) integer value")
        }
    }
}
