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
        // The same as the KS test itself on the split, with the asymptotic p-value.
        let ks = try KolmogorovSmirnov.twoSample(
            Array(residuals[4000...]), Array(residuals[..<4000]), method: .asymptotic)
        #expect(r.statistic == ks.statistic && r.pValue == ks.pValue)
        let exact = try #require(try DriftDetector(method: .exact).test(residuals: residuals))
        #expect(exact.isDrift && exact.pValue < 1e-6)
    }

    /// The default asymptotic p-value against the exact lattice count, at the agent's sizes (1,000 recent against
    /// 4,000 historical residuals) on stable series: the same decisions and p-values within 0.01.
    @Test func asymptoticPValueAgreesWithTheExactOne() throws {
        var largest = 0.0
        var disagreements = 0
        for seed in UInt64(1)...60 {
            var rng = SplitMix64(seed: seed)
            let residuals = Self.noise(5000, rng: &rng)
            let a = try #require(try DriftDetector().test(residuals: residuals))
            let e = try #require(try DriftDetector(method: .exact).test(residuals: residuals))
            largest = max(largest, abs(a.pValue - e.pValue))
            if a.isDrift != e.isDrift { disagreements += 1 }
        }
        print("drift p-value, asymptotic against exact on 60 stable series: largest difference \(largest), "
            + "\(disagreements) different decisions")
        #expect(largest < 0.01 && disagreements <= 1)
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
