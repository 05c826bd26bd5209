import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

struct ChangePointTests {
    @Test func findsAKnownSwitch() throws {
        var rng = SplitMix64(seed: 3)
        let series = DriftDetectorTests.noise(3000, rng: &rng) + DriftDetectorTests.noise(2000, shift: 0.01, rng: &rng)
        let c = try #require(ChangePoint.mostLikely(in: series))
        #expect(abs(c.index - 3000) <= 25, "found \(c.index)")
        #expect(c.statistic > 10 && abs(c.meanBefore) < 0.002 && abs(c.meanAfter - 0.01) < 0.002)
        #expect(ChangePoint.latest(in: series)?.index == c.index)
    }

    /// A real stream whose latencies switch to another hardware's: the residuals of the old set change mean, and
    /// the change point marks where a refit should start.
    @Test func marksTheStartOfANewRegimeOnRealData() throws {
        var rng = SplitMix64(seed: 9)
        let before = AdaptationFixtures.stream(from: try AdaptationFixtures.table(), count: 3500, rng: &rng)
        let after = AdaptationFixtures.stream(
            from: try AdaptationFixtures.table("steps_splitwise_llama2-70b_h100-80gb-pcap_tp4.csv"), count: 1500,
            rng: &rng)
        let window = before + after
        let residuals = DriftDetector.residuals(of: AdaptationFixtures.prior("h100-80gb-tp4"), on: window)
        #expect(try DriftDetector().test(residuals: residuals)!.isDrift)
        let c = try #require(ChangePoint.latest(in: residuals))
        print("switch at 3500, change point at \(c.index), t = \(c.statistic)")
        #expect(abs(c.index - 3500) <= 50)
    }

    @Test func binarySegmentationFindsEverySwitchAndNoneInNoise() {
        var rng = SplitMix64(seed: 4)
        let series =
            DriftDetectorTests.noise(1500, rng: &rng) + DriftDetectorTests.noise(1000, shift: 0.02, rng: &rng)
            + DriftDetectorTests.noise(2500, shift: -0.01, rng: &rng)
        let found = ChangePoint.segments(in: series)
        #expect(found.count == 2)
        #expect(found.count == 2 && abs(found[0].index - 1500) <= 25 && abs(found[1].index - 2500) <= 25)
        var quiet = 0
        for seed in UInt64(1)...50 {
            var r = SplitMix64(seed: seed)
            if ChangePoint.segments(in: DriftDetectorTests.noise(5000, rng: &r)).isEmpty { quiet += 1 }
        }
        print("stable series without a change point: \(quiet)/50")
        #expect(quiet >= 48)
    }

    @Test func edgeCases() {
        #expect(ChangePoint.mostLikely(in: [Double](repeating: 1, count: 59)) == nil)
        #expect(ChangePoint.mostLikely(in: [Double](repeating: 1, count: 100)) == nil)
        let step = ChangePoint.mostLikely(in: [Double](repeating: 0, count: 40) + [Double](repeating: 1, count: 60))
        #expect(step?.index == 40 && step!.statistic > 1e6)
        // Indices refer to the base array of a slice.
        let series =
            [Double](repeating: 0, count: 100) + [Double](repeating: 0, count: 40) + [Double](repeating: 1, count: 60)
        #expect(ChangePoint.mostLikely(in: series[100...])?.index == 140)
    }
}
