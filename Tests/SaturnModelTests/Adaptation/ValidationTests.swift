import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

struct ValidationTests {
    @Test func reasons() {
        let truth = AdaptationFixtures.prior("h100-80gb-tp4")
        var rng = SplitMix64(seed: 1)
        let rows = AdaptationFixtures.synthetic(truth, count: 100, rng: &rng)
        let worse = AdaptationFixtures.prior("a100-80gb-tp2")
        let accepted = Validation.compare(candidate: truth, current: worse, heldOut: rows)
        #expect(accepted.isAccepted && accepted.reason == .improved && accepted.heldOutCount == 100)
        #expect(accepted.candidateLoss < accepted.currentLoss)
        #expect(
            isClose(accepted.candidateLoss, Validation.heldOutLoss(truth, on: rows[...], residual: .relative), rel: 0))
        #expect(Validation.compare(candidate: worse, current: truth, heldOut: rows).reason == .notBetter)
        // Equal loss is not better.
        #expect(Validation.compare(candidate: truth, current: truth, heldOut: rows).reason == .notBetter)
        var outside = truth
        outside.tauB = -1
        #expect(Validation.compare(candidate: outside, current: worse, heldOut: rows).reason == .outOfBounds)
        var broken = truth
        broken.tau0 = .nan
        #expect(Validation.compare(candidate: broken, current: worse, heldOut: rows).reason == .nonFinite)
        #expect(Validation.compare(candidate: truth, current: worse, heldOut: []).reason == .tooFewObservations)
        // Absolute residuals are available for an absolute-loss configuration.
        #expect(Validation.compare(candidate: truth, current: worse, heldOut: rows, residual: .absolute).isAccepted)
    }

    /// Property (seeded, many streams): on stable streams (rows of real tables resampled with 2% multiplicative
    /// noise) no accepted update raises the held-out error, and no parameter ever leaves its bounds. Acceptance is
    /// the agent's: the candidate's loss on the newest 100 observations, not used for training, beats the current
    /// set's. Also measured (printed, loosely bounded): the error on a large independent sample from the same
    /// stream, which validation never saw.
    @Test func acceptedUpdatesNeverRaiseTheHeldOutError() throws {
        let tables = [
            "steps_splitwise_llama2-70b_h100-80gb_tp4.csv", "steps_splitwise_llama2-70b_a100-80gb_tp8.csv",
            "steps_vidur_llama2-7b_a100_tp1.csv",
        ]
        let update = OnlineUpdate()
        var streams = 0
        var updates = 0
        var accepted = 0
        var worstFreshRise = 0.0
        var improvedStreams = 0
        for name in tables {
            let rows = try AdaptationFixtures.table(name)
            let starts = [PriorCatalog.genericDefault, AdaptationFixtures.prior("h100-80gb-tp8")]
            for seed in UInt64(1)...4 {
                for start in starts {
                    var rng = SplitMix64(seed: seed * 7919)
                    var window = AdaptationFixtures.stream(from: rows, count: 2000, rng: &rng)
                    let fresh = AdaptationFixtures.stream(from: rows, count: 4000, rng: &rng)
                    var state = update.initialState(for: LatencyParameters.self)
                    var current = start
                    let freshStart = Validation.heldOutLoss(current, on: fresh[...], residual: .relative)
                    for _ in 0..<20 {
                        let r = update.run(current: current, base: current, window: window, state: state)
                        updates += 1
                        #expect(r.candidate.isPhysical, "\(name) seed \(seed): \(r.candidate)")
                        if r.isAccepted {
                            let heldOut = window.suffix(update.heldOutCount)
                            let before = Validation.heldOutLoss(current, on: heldOut, residual: .relative)
                            let after = Validation.heldOutLoss(r.candidate, on: heldOut, residual: .relative)
                            #expect(after < before, "\(name) seed \(seed): held-out \(before) → \(after)")
                            let freshBefore = Validation.heldOutLoss(current, on: fresh[...], residual: .relative)
                            let freshAfter = Validation.heldOutLoss(r.candidate, on: fresh[...], residual: .relative)
                            worstFreshRise = Swift.max(worstFreshRise, freshAfter / freshBefore - 1)
                            current = r.candidate
                            accepted += 1
                        }
                        state = r.state
                        window.removeFirst(100)
                        window += AdaptationFixtures.stream(from: rows, count: 100, rng: &rng)
                    }
                    if Validation.heldOutLoss(current, on: fresh[...], residual: .relative) < freshStart {
                        improvedStreams += 1
                    }
                    streams += 1
                }
            }
        }
        print(
            "property: \(streams) streams, \(updates) updates, \(accepted) accepted; largest rise of the independent",
            "sample's loss over one accepted update: \(worstFreshRise * 100)%; streams that ended better: \(improvedStreams)"
        )
        #expect(streams == 24 && updates == 480)
        #expect(improvedStreams == streams)
        #expect(worstFreshRise < 0.5)
    }
}
