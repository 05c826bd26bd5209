import SaturnModel
import SaturnNumerics
import Testing

struct DriftDetectorTests {
    static func noise(_ n: Int, shift: Double = 0, sd: Double = 0.02, rng: inout SplitMix64) -> [Double] {
        (0..<n).map { _ in shift + sd * AdaptationFixtures.gaussian(&rng) }
    }

    @Test func detectsAShiftOfTheRecentResiduals() throws {
        var rng = SplitMix64(seed: 1)
        let residuals = Self.noise(4000, rng: &rng) + Self.noise(1000, shift: 0.01, rng: &rng)
        let r = try #require(try DriftDetector().test(residuals: residuals))
        #expect(r.isDrift && r.pValue < 1e-6)
        #expect(r.recentCount == 1000 && r.historicalCount == 4000)
        // The same as the KS test itself on the split.
        let ks = try KolmogorovSmirnov.twoSample(Array(residuals[4000...]), Array(residuals[..<4000]))
        #expect(r.statistic == ks.statistic && r.pValue == ks.pValue)
    }

    @Test func stableSeriesRarelyDrift() throws {
        var alarms = 0
        for seed in UInt64(1)...100 {
            var rng = SplitMix64(seed: seed)
            if try DriftDetector().test(residuals: Self.noise(3000, rng: &rng))!.isDrift { alarms += 1 }
        }
        print("drift false alarms on 100 stable series: \(alarms)")
        #expect(alarms <= 12)
    }

    @Test func needsEnoughResidualsAndFiniteOnes() throws {
        #expect(try DriftDetector().test(residuals: [Double](repeating: 0, count: 1099)) == nil)
        #expect(
            try DriftDetector(recentCount: 10, minimumHistoricalCount: 5).test(
                residuals: [Double](repeating: 0, count: 15)) != nil)
        #expect(throws: StatisticsError.nonFiniteValue) {
            try DriftDetector(recentCount: 2, minimumHistoricalCount: 2).test(residuals: [0, .nan, 0, 0])
        }
    }

    @Test func residualsAreRelativeInWindowOrder() {
        let p = PriorCatalog.genericDefault
        let rows = [
            StepObservation(batchSize: 2, tokens: 10, latencyMs: 20),
            StepObservation(batchSize: 1, tokens: 1, latencyMs: 5),
        ]
        let r = DriftDetector.residuals(of: p, on: rows)
        #expect(r == [(p.latency(batchSize: 2, tokens: 10) - 20) / 20, (p.latency(batchSize: 1, tokens: 1) - 5) / 5])
    }
}
