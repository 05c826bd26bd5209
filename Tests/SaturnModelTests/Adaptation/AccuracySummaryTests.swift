import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

struct AccuracySummaryTests {
    @Test func meanAndPercentilesOfTheLastObservations() throws {
        // 0, 0.001, ..., 0.999 preceded by large errors that fall outside the last 1,000.
        let errors = [Double](repeating: 5, count: 500) + (0..<1000).map { Double($0) / 1000 }
        let a = try #require(AccuracySummary(relativeErrors: errors))
        #expect(a.count == 1000)
        #expect(isClose(a.mean, 0.4995, rel: 1e-14))
        #expect(isClose(a.p95, 0.94905, rel: 1e-14))  // h = 999 × 0.95 = 949.05
        #expect(isClose(a.p99, 0.98901, rel: 1e-14))  // h = 989.01
        let all = try #require(AccuracySummary(relativeErrors: errors, lastCount: 10_000))
        #expect(all.count == 1500 && all.p99 == 5)
        #expect(AccuracySummary(relativeErrors: []) == nil)
    }

    @Test func fromAModelOnAWindow() throws {
        let p = AdaptationFixtures.prior("h100-80gb-tp4")
        var rng = SplitMix64(seed: 5)
        let window = AdaptationFixtures.stream(from: try AdaptationFixtures.table(), count: 3000, rng: &rng)
        let a = try #require(AccuracySummary(p, on: window))
        let errors = window.suffix(1000).map { abs(p.latency(at: $0) - $0.latencyMs) / $0.latencyMs }
        #expect(a.count == 1000 && isClose(a.mean, Descriptive.mean(errors), rel: 1e-12))
        #expect(a.p95 == Descriptive.quantile(errors, 0.95) && a.p99 == Descriptive.quantile(errors, 0.99))
        print("h100 tp4 prior on its own table with 2% noise: mean \(a.mean), p95 \(a.p95), p99 \(a.p99)")
        #expect(a.mean < 0.15)
    }
}
