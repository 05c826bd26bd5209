import SaturnModel
import SaturnTestKit
import Testing

/// `sla.json`: the exact feasible interval per batch size, and the paper's bracketing rule it replaces.
struct SLAInverseTests {
    @Test func feasibleIntervalsAndThePaperRuleMatchTheGoldenRows() throws {
        let cases = try Golden("sla").cases()
        #expect(cases.count == 20)
        var checkedIntervals = 0
        for c in cases {
            let p = try c.parameters("theta")
            let target = c.double("target_ms")!
            let bracket = try c.doubles("S_bracket")
            let range = bracket[0]...bracket[1]
            let rows = try c.objects("rows")
            try #require(rows.count == 64)
            let answers = SLAInverse.rows(batchSizes: 1...64, targetMs: target, tokens: range, parameters: p)
            var skippedButFeasible = 0
            for (row, answer) in zip(rows, answers) {
                let b = row.int("B")!
                #expect(answer.batchSize == b)
                if row.isNull("feasible_interval") {
                    #expect(answer.feasibleTokens == nil, "\(c.id) B=\(b) should be infeasible")
                } else {
                    let e = try row.doubles("feasible_interval")
                    let got = try #require(answer.feasibleTokens, "\(c.id) B=\(b) should be feasible")
                    #expect(abs(got.lowerBound - e[0]) <= 1e-8, "\(c.id) B=\(b) lower \(got.lowerBound) vs \(e[0])")
                    #expect(abs(got.upperBound - e[1]) <= 1e-8, "\(c.id) B=\(b) upper \(got.upperBound) vs \(e[1])")
                    #expect(answer.largestTokens == got.upperBound)
                    checkedIntervals += 1
                }
                let paper = SLAInverse.paperBracket(
                    batchSize: Double(b), targetMs: target, tokens: range, parameters: p)
                #expect(paper.isSkipped == row.bool("skipped"), "\(c.id) B=\(b) skip")
                #expect(isClose(paper.valueAtLower, row.double("f_lo")!, rel: 1e-12, abs: 1e-12), "\(c.id) f_lo")
                #expect(isClose(paper.valueAtUpper, row.double("f_hi")!, rel: 1e-12, abs: 1e-12), "\(c.id) f_hi")
                if let star = row.double("S_star") {
                    #expect(abs(paper.root! - star) <= 1e-8, "\(c.id) B=\(b) S_star \(paper.root!) vs \(star)")
                    #expect(paper.rootSide?.rawValue == row.string("root_side"), "\(c.id) B=\(b) side")
                } else {
                    #expect(paper.root == nil, "\(c.id) B=\(b) S_star")
                }
                let dropped = paper.isSkipped && answer.feasibleTokens != nil
                #expect(dropped == row.bool("skipped_but_feasible"), "\(c.id) B=\(b) skipped_but_feasible")
                if dropped { skippedButFeasible += 1 }
            }
            #expect(skippedButFeasible == c.int("n_skipped_but_feasible"), "\(c.id) count")
        }
        #expect(checkedIntervals > 100)
    }

    @Test func minimiserIsWhereTheSlopeChangesSign() {
        let p = AdmissionTests.profile
        for b in [1.0, 4, 16, 64] {
            let s = SLAInverse.tokensAtMinimumLatency(batchSize: b, tokens: 1...4096, parameters: p)
            #expect(s > 1 && s < 4096)
            let t = p.latency(batchSize: b, tokens: s)
            #expect(p.latency(batchSize: b, tokens: s * 0.999) >= t && p.latency(batchSize: b, tokens: s * 1.001) >= t)
        }
        // No w₀: T is increasing in S and the minimiser is the lower end.
        var q = p
        q.w0 = 0
        #expect(SLAInverse.tokensAtMinimumLatency(batchSize: 8, tokens: 1...4096, parameters: q) == 1)
    }
}
