import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

struct ParameterDriftRateTests {
    static let window: [StepObservation] = {
        var rng = SplitMix64(seed: 2)
        return AdaptationFixtures.synthetic(AdaptationFixtures.prior("h100-80gb-tp4"), count: 3000, rng: &rng)
    }()

    @Test func equalPredictionsHaveNoDrift() throws {
        let p = AdaptationFixtures.prior("h100-80gb-tp4")
        let same = try #require(ParameterDriftRate(from: p, to: p, on: Self.window))
        #expect(same.value == 0 && same.maximum == 0 && same.isHealthy)
        // A different P_max with the same predictions (the non-identifiable direction) is not drift.
        var other = p
        other.pMax *= 3
        other.w0 *= 3
        other.w1 *= 3
        let moved = try #require(ParameterDriftRate(from: p, to: other, on: Self.window))
        #expect(moved.value < 1e-13)
    }

    @Test func isTheMeanRelativeChangeOfPredictions() throws {
        let p = AdaptationFixtures.prior("h100-80gb-tp4")
        // Every time term ×1.08: every prediction ×1.08 exactly.
        let q = LatencyParameters(
            pMax: p.pMax, kB: p.kB, kS: p.kS, w0: p.w0 * 1.08, w1: p.w1 * 1.08, tau0: p.tau0 * 1.08,
            tauB: p.tauB * 1.08, tauS: p.tauS * 1.08)
        let d = try #require(ParameterDriftRate(from: p, to: q, on: Self.window))
        #expect(isClose(d.value, 0.08, rel: 1e-12) && isClose(d.maximum, 0.08, rel: 1e-12) && d.isHealthy)
        let distinct = Set(Self.window.suffix(1000).map { [$0.batchSize, $0.tokens] }).count
        #expect(d.pointCount == distinct)
        var r = q
        r.tau0 += 10
        #expect(ParameterDriftRate(from: p, to: r, on: Self.window)!.isHealthy == false)
    }

    @Test func eachOperatingPointCountsOnce() throws {
        let p = PriorCatalog.genericDefault
        var q = p
        q.tauB += 1  // +1 ms per request
        let small = StepObservation(batchSize: 1, tokens: 1, latencyMs: 1)
        let large = StepObservation(batchSize: 64, tokens: 64, latencyMs: 1)
        let window = [StepObservation](repeating: small, count: 999) + [large]
        let d = try #require(ParameterDriftRate(from: p, to: q, on: window))
        let a = 1 / p.latency(at: small)
        let b = 64 / p.latency(at: large)
        #expect(d.pointCount == 2 && isClose(d.value, (a + b) / 2, rel: 1e-12) && d.maximum == Swift.max(a, b))
        #expect(ParameterDriftRate(from: p, to: q, on: []) == nil)
    }

    /// On a stable stream, accepted updates move predictions by far less than the threshold.
    @Test func stableUpdatesAreWellBelowTheThreshold() throws {
        let table = try AdaptationFixtures.table()
        var rng = SplitMix64(seed: 12)
        var window = AdaptationFixtures.stream(from: table, count: 3000, rng: &rng)
        let update = OnlineUpdate()
        var state = update.initialState(for: LatencyParameters.self)
        var current = AdaptationFixtures.prior("h100-80gb-tp4")
        var largest = 0.0
        for _ in 0..<20 {
            let r = update.run(current: current, base: current, window: window, state: state)
            state = r.state
            if r.isAccepted {
                largest = Swift.max(largest, ParameterDriftRate(from: current, to: r.candidate, on: window)!.value)
                current = r.candidate
            }
            window.removeFirst(100)
            window += AdaptationFixtures.stream(from: table, count: 100, rng: &rng)
        }
        print("largest drift rate of an accepted update on a stable stream: \(largest)")
        #expect(largest < ParameterDriftRate.healthThreshold)
    }
}
