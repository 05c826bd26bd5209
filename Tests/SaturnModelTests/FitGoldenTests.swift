import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

struct FitGoldenTests {
    @Test func everyFitCaseReachesTheGlobalOptimum() throws {
        let golden = try Golden("fit_cases")
        for c in golden.cases() {
            let table = c.table()
            let report = try LatencyFitter.fit(table)
            let sseMax = c.object("acceptance")!.double("sse_max")!
            let best = c.object("best")!.double("sse")!
            print(c.id, report.sumOfSquaredResiduals, best, (report.sumOfSquaredResiduals - best) / best, report.bestStart, report.evaluationCount, report.termination)
            #expect(report.sumOfSquaredResiduals <= sseMax, "\(c.id): \(report.sumOfSquaredResiduals) > \(sseMax)")
            #expect(report.parameters.isWithin(.physical))
            #expect(report.filter.kept == c.int("n_kept"))
        }
    }
}
