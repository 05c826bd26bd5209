import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

/// `fit_cases.json`: the fit must reach SSE <= best × (1 + 1e-6) on every case.
struct FitGoldenTests {
    static let cases: [GoldenCase] = (try? Golden("fit_cases").cases()) ?? []

    @Test(arguments: FitGoldenTests.cases.map(\.id))
    func fitReachesTheGlobalOptimum(id: String) throws {
        let c = Self.cases.first { $0.id == id }!
        let report = try LatencyFitter.fit(c.table())
        let sseMax = c.object("acceptance")!.double("sse_max")!
        #expect(report.sumOfSquaredResiduals <= sseMax, "\(id): SSE \(report.sumOfSquaredResiduals) > \(sseMax)")
        #expect(report.parameters.isWithin(.physical))
        #expect(report.filter.kept == c.int("n_kept")!)
        #expect(report.filter.removedIndices == c.doubles("removed_indices").map { Int($0) })
        #expect(report.isConverged)
        // Beyond the acceptance test: at the same optimum the identifiable quantities agree (README "optional").
        let best = c.object("best")!
        if report.sumOfSquaredResiduals <= best.double("sse")! * (1 + 1e-9) {
            let expected = LatencyParameters(vector: best.doubles("theta"))
            let p = report.parameters
            #expect(isClose(p.kB, expected.kB, rel: 1e-3), "\(id) k_B")
            #expect(isClose(p.kS, expected.kS, rel: 1e-3), "\(id) k_S")
            #expect(isClose(p.w1 / p.pMax, expected.w1 / expected.pMax, rel: 1e-3), "\(id) w_1/P_max")
            #expect(isClose(p.tau0, expected.tau0, rel: 1e-3), "\(id) tau_0")
            #expect(isClose(p.tauS, expected.tauS, rel: 1e-3, abs: 1e-9), "\(id) tau_S")
        }
        // The design's single start is worse on laplace_large_n10000 (18%): the global strategy is what passes.
        #expect(report.startCount >= 2)
    }

    @Test func designInitialValuesMatchTheReference() throws {
        for c in Self.cases {
            let kept = RowFilter().apply(to: c.table()).kept
            let got = LatencyFitter.designInitialValues(kept).vector
            let expected = c.object("init")!.doubles("theta")
            for j in 0..<8 { #expect(isClose(got[j], expected[j], rel: 1e-9), "\(c.id) init[\(j)]") }
        }
    }

    @Test func predictionsDoNotDependOnTheHeldPMax() throws {
        let c = Self.cases.first { $0.id == "gauss_wide_n1000" }!
        let p = try LatencyFitter.fit(c.table()).parameters
        for factor in [0.01, 3.0, 100.0] {
            var q = p
            q.pMax *= factor
            q.w0 *= factor
            q.w1 *= factor
            for (b, s) in [(1.0, 16.0), (8, 256), (64, 2048)] {
                #expect(isClose(q.latency(batchSize: b, tokens: s), p.latency(batchSize: b, tokens: s), rel: 1e-12))
            }
        }
    }
}
