import SaturnModel
import SaturnNumerics
import Testing

struct DegradationDetectorTests {
    /// Relative errors of the table's own prior on a stable stream whose latencies are scaled by `scale` from
    /// `switchAt` on.
    static func errors(seed: UInt64, count: Int = 5000, switchAt: Int? = nil, scale: Double = 1) throws -> [Double] {
        var rng = SplitMix64(seed: seed)
        let table = try AdaptationFixtures.table()
        let p = AdaptationFixtures.prior("h100-80gb-tp4")
        let start = switchAt ?? count
        let stream =
            AdaptationFixtures.stream(from: table, count: start, rng: &rng)
            + AdaptationFixtures.stream(from: table, count: count - start, scale: scale, rng: &rng)
        return stream.map { AccuracySummary.relativeError(predicted: p.latency(at: $0), actual: $0.latencyMs) }
    }

    @Test func firesWhenLatenciesAreScaledUpPartWay() throws {
        let r = try #require(
            try DegradationDetector().test(relativeErrors: try Self.errors(seed: 1, switchAt: 4500, scale: 1.1)))
        print("scaled ×1.1 over the last 500 of 5,000: p = \(r.pValue)")
        #expect(r.isDegraded && r.pValue < 1e-6)
        #expect(r.recentCount == 1000 && r.historicalCount == 4000)
    }

    @Test func falseAlarmRateOnStableStreams() throws {
        var alarms = 0
        let streams = 200
        for seed in UInt64(1)...UInt64(streams) {
            if try DegradationDetector().test(relativeErrors: try Self.errors(seed: seed, count: 2000))!.isDegraded {
                alarms += 1
            }
        }
        print("degradation false-alarm rate over \(streams) seeded stable streams: \(Double(alarms) / Double(streams))")
        #expect(alarms <= 20)  // nominal 5%: 10 of 200, binomial sd about 3
    }

    @Test func improvementIsNotDegradation() throws {
        let r = try #require(
            try DegradationDetector().test(relativeErrors: try Self.errors(seed: 2, switchAt: 4000, scale: 1.0)))
        #expect(r.pValue > 0.001)
        let better = try Self.errors(seed: 3).enumerated().map { $0.offset >= 4000 ? $0.element * 0.5 : $0.element }
        #expect(try DegradationDetector().test(relativeErrors: better)!.isDegraded == false)
        #expect(try DegradationDetector().test(relativeErrors: [0.1, 0.2]) == nil)
    }
}
