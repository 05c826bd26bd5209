import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

struct OnlineUpdateTests {
    /// What a run of consecutive updates did.
    struct Run {
        var updates = 0
        var accepted = 0
        var allPhysical = true
        var allFinite = true
        /// Largest `lossAfter / lossBefore` of one update (its candidate, accepted or not).
        var worstRatio = 0.0
        /// Data loss of the installed set on an independent sample, before and after the run.
        var freshBefore = 0.0
        var freshAfter = 0.0
        var final = PriorCatalog.genericDefault
    }

    /// `count` consecutive updates over a sliding window (100 new observations per update), installing accepted
    /// candidates, with the base = the last validated set.
    static func run(
        _ update: OnlineUpdate, from start: LatencyParameters, count: Int, windowSize: Int = 5000,
        source: (inout SplitMix64, Int) -> [StepObservation], seed: UInt64
    ) -> Run {
        var rng = SplitMix64(seed: seed)
        var window = source(&rng, windowSize)
        let fresh = source(&rng, 2000)
        var state = update.initialState(for: LatencyParameters.self)
        var current = start
        var out = Run()
        out.freshBefore = update.objective.dataLoss(current, on: fresh)
        for _ in 0..<count {
            let r = update.run(current: current, base: current, window: window, state: state)
            out.updates += 1
            out.allPhysical = out.allPhysical && r.candidate.isPhysical
            out.allFinite = out.allFinite && r.lossAfter.isFinite && r.verdict.reason != .nonFinite
            out.worstRatio = Swift.max(out.worstRatio, r.lossAfter.isFinite ? r.lossAfter / r.lossBefore : .infinity)
            state = r.state
            if r.isAccepted {
                current = r.candidate
                out.accepted += 1
            }
            window.removeFirst(100)
            window += source(&rng, 100)
        }
        out.freshAfter = update.objective.dataLoss(current, on: fresh)
        out.final = current
        return out
    }

    @Test func defaultsAreTheDocumentedOnes() {
        let u = OnlineUpdate()
        #expect(u.objective == OnlineObjective(residual: .relative, decay: 0.99, regularisation: 0.01))
        #expect(u.momentum == 0.9 && u.steps == 4 && u.heldOutCount == 100 && u.space == .scaled)
        #expect(u.schedule == LearningRateSchedule(initial: 0.01, decayFactor: 0.95, patience: 5, minimum: 0.001))
        #expect(u.logarithmicFloor == Reparameterisation<LatencyParameters>.defaultLogarithmicFloor)
        #expect(u.carriesVelocity == false)
    }

    @Test func tooFewObservationsDoNothing() {
        let update = OnlineUpdate()
        let p = PriorCatalog.genericDefault
        let state = update.initialState(for: LatencyParameters.self)
        let rows = [StepObservation](repeating: StepObservation(batchSize: 1, tokens: 1, latencyMs: 10), count: 107)
        let r = update.run(current: p, base: p, window: rows, state: state)
        #expect(r.verdict.reason == .tooFewObservations && !r.isAccepted && r.stepsTaken == 0)
        #expect(r.candidate == p && r.state == state)
    }

    @Test func aNonFiniteLossIsRejectedWithoutSteps() throws {
        var rng = SplitMix64(seed: 2)
        var window = AdaptationFixtures.stream(from: try AdaptationFixtures.table(), count: 500, rng: &rng)
        window[10].latencyMs = 0
        let update = OnlineUpdate()
        let p = AdaptationFixtures.prior("h100-80gb-tp4")
        let r = update.run(current: p, base: p, window: window, state: update.initialState())
        #expect(r.verdict.reason == .nonFinite && !r.isAccepted && r.stepsTaken == 0 && r.candidate == p)
        #expect(r.verdict.currentLoss.isFinite && r.state.velocity == SIMD8())
    }

    /// Findings 7 and DESIGN §4: with the design's defaults the updates are stable in the scaled coordinates, on
    /// real data, from every other key's prior and the generic default: 60 consecutive updates stay finite and
    /// inside the physical bounds, no update raises its own loss, and the loss on an independent sample falls. The
    /// same defaults in raw units blow the loss up within one update, stopped only by the box.
    @Test func defaultsAreStableScaledAndDivergeInRawUnits() throws {
        let table = try AdaptationFixtures.table()
        let source: (inout SplitMix64, Int) -> [StepObservation] = { rng, n in
            AdaptationFixtures.stream(from: table, count: n, rng: &rng)
        }
        let starts: [(String, LatencyParameters)] = [
            ("a100-80gb-tp4", AdaptationFixtures.prior("a100-80gb-tp4")),
            ("h100-80gb-tp8", AdaptationFixtures.prior("h100-80gb-tp8")),
            ("h100-80gb-pcap-tp2", AdaptationFixtures.prior("h100-80gb-pcap-tp2")),
            ("generic default", PriorCatalog.genericDefault),
        ]
        for (label, start) in starts {
            let s = Self.run(OnlineUpdate(), from: start, count: 60, source: source, seed: 1)
            print(
                "scaled from \(label): accepted \(s.accepted)/\(s.updates), worst lossAfter/lossBefore",
                s.worstRatio, "fresh loss", s.freshBefore, "→", s.freshAfter)
            #expect(s.allPhysical && s.allFinite, "\(label)")
            #expect(s.worstRatio <= 1, "\(label): an update multiplied its loss by \(s.worstRatio)")
            #expect(s.freshAfter < 0.5 * s.freshBefore, "\(label)")
            #expect(s.freshAfter < 0.03, "\(label): mean squared relative error \(s.freshAfter)")
        }
        // Raw units, same defaults, one update from a realistic warm start (another TP degree, same hardware).
        var rng = SplitMix64(seed: 1)
        let window = source(&rng, 5000)
        let start = AdaptationFixtures.prior("h100-80gb-tp8")
        for (residual, minimumBlowUp) in [(OnlineObjective.Residual.relative, 10.0), (.absolute, 100.0)] {
            let objective = OnlineObjective(residual: residual)
            let scaled = OnlineUpdate(objective: objective).run(
                current: start, base: start, window: window, state: OnlineUpdate().initialState())
            let raw = OnlineUpdate(objective: objective, space: .raw).run(
                current: start, base: start, window: window, state: OnlineUpdate().initialState())
            print(
                "\(residual) residuals, one update: scaled \(scaled.lossBefore) → \(scaled.lossAfter);",
                "raw \(raw.lossBefore) → \(raw.lossAfter), candidate \(raw.candidate)")
            #expect(scaled.lossAfter < scaled.lossBefore && scaled.isAccepted)
            #expect(raw.lossAfter > minimumBlowUp * raw.lossBefore && !raw.isAccepted)
            // The box is all that stops it: parameters end on their bounds.
            let bounds = LatencyParameters.physicalBounds
            let onBounds = (0..<8).filter {
                raw.candidate.packed[$0] == bounds.lower[$0] || raw.candidate.packed[$0] == bounds.upper[$0]
            }
            #expect(onBounds.count >= 3, "\(onBounds)")
        }
    }

    /// Carrying the velocity across updates is stable too (bounded, physical) but overshoots after large updates.
    @Test func carriedVelocityIsStableButOvershoots() throws {
        let table = try AdaptationFixtures.table()
        let s = Self.run(
            OnlineUpdate(carriesVelocity: true), from: PriorCatalog.genericDefault, count: 60,
            source: { rng, n in AdaptationFixtures.stream(from: table, count: n, rng: &rng) }, seed: 1)
        print(
            "carried velocity: worst lossAfter/lossBefore \(s.worstRatio), fresh loss \(s.freshBefore) → \(s.freshAfter)"
        )
        #expect(s.allPhysical && s.allFinite && s.worstRatio < 20)
        #expect(s.freshAfter < 0.1 * s.freshBefore)
    }

    /// The design's other learning rate, 0.1, is stable in the scaled coordinates too (same checks), but from the
    /// generic default it settles in a worse basin than 0.01; 0.01 is the default.
    @Test func designLearningRateZeroPointOneIsStableToo() throws {
        let table = try AdaptationFixtures.table()
        let source: (inout SplitMix64, Int) -> [StepObservation] = { rng, n in
            AdaptationFixtures.stream(from: table, count: n, rng: &rng)
        }
        let start = PriorCatalog.genericDefault
        let fast = OnlineUpdate(schedule: LearningRateSchedule(initial: 0.1, minimum: 0.01))
        let s = Self.run(fast, from: start, count: 100, source: source, seed: 1)
        let d = Self.run(OnlineUpdate(), from: start, count: 100, source: source, seed: 1)
        print("lr 0.1: fresh loss \(s.freshBefore) → \(s.freshAfter), worst ratio \(s.worstRatio); \(s.final)")
        print("lr 0.01: fresh loss \(d.freshBefore) → \(d.freshAfter), worst ratio \(d.worstRatio); \(d.final)")
        #expect(s.allPhysical && s.allFinite && s.worstRatio <= 1)
        #expect(s.freshAfter < 0.1 * s.freshBefore)
        #expect(d.freshAfter < s.freshAfter)
    }

    /// Synthetic data from a known set: from a far start the scaled updates approach the truth's loss.
    @Test func scaledUpdatesConvergeOnSyntheticData() {
        let truth = LatencyParameters(pMax: 80, kB: 0.08, kS: 0.004, w0: 15, w1: 0.6, tau0: 3, tauB: 0.05, tauS: 0.002)
        let source: (inout SplitMix64, Int) -> [StepObservation] = { rng, n in
            AdaptationFixtures.synthetic(truth, count: n, rng: &rng)
        }
        for (label, start) in [
            ("generic default", PriorCatalog.genericDefault),
            ("h100-80gb-tp4", AdaptationFixtures.prior("h100-80gb-tp4")),
        ] {
            let s = Self.run(OnlineUpdate(), from: start, count: 80, source: source, seed: 2)
            var rng = SplitMix64(seed: 99)
            let noiseFloor = OnlineObjective().dataLoss(truth, on: source(&rng, 2000))
            print(
                "synthetic from \(label): accepted \(s.accepted)/\(s.updates), worst ratio \(s.worstRatio),",
                "fresh loss \(s.freshBefore) → \(s.freshAfter) (truth \(noiseFloor))")
            #expect(s.allPhysical && s.allFinite && s.worstRatio <= 1, "\(label)")
            #expect(s.freshAfter < 0.1 * s.freshBefore, "\(label)")
        }
    }

    /// Absolute residuals (the design's literal data term) work in the scaled coordinates as well.
    @Test func absoluteResidualsAreStableInScaledCoordinates() throws {
        let table = try AdaptationFixtures.table()
        let update = OnlineUpdate(objective: OnlineObjective(residual: .absolute))
        let s = Self.run(
            update, from: AdaptationFixtures.prior("h100-80gb-tp8"), count: 40,
            source: { rng, n in
                AdaptationFixtures.stream(from: table, count: n, rng: &rng)
            }, seed: 4)
        print("absolute residuals: fresh loss \(s.freshBefore) → \(s.freshAfter) ms², worst ratio \(s.worstRatio)")
        #expect(s.allPhysical && s.allFinite && s.worstRatio <= 1)
        #expect(s.freshAfter < 0.1 * s.freshBefore)
    }

    /// A 9-parameter member of the family goes through the same update unchanged, and learns its extra term.
    @Test func aLargerFamilyMemberIsAdaptedWithoutChanges() {
        let core = AdaptationFixtures.prior("h100-80gb-tp4")
        let truth = ExtendedModel(core: core, tauBS: 1e-4)
        var rng = SplitMix64(seed: 8)
        var window = (0..<3000).map { _ in
            let b = Double(1 + rng.next() % 64)
            let s = rng.nextUniform() < 0.7 ? b : b + Double(rng.next() % 2048)
            let t =
                truth.latency(at: StepObservation(batchSize: b, tokens: s, latencyMs: 1))
                * (1 + 0.01 * AdaptationFixtures.gaussian(&rng))
            return StepObservation(batchSize: b, tokens: s, latencyMs: t)
        }
        let update = OnlineUpdate()
        var state = update.initialState(for: ExtendedModel.self)
        var current = ExtendedModel(core: core, tauBS: 0)
        let before = update.objective.dataLoss(current, on: window)
        for _ in 0..<30 {
            let r = update.run(current: current, base: current, window: window, state: state)
            #expect(r.candidate.isPhysical && r.lossAfter.isFinite)
            state = r.state
            if r.isAccepted { current = r.candidate }
            window.shuffle(using: &rng)
        }
        let after = update.objective.dataLoss(current, on: window)
        print("9-parameter model: loss \(before) → \(after), tau_BS \(current.tauBS) (truth 1e-4)")
        #expect(after < 0.5 * before)  // the noise floor (1% noise) is 1e-4
        #expect(current.tauBS > 2e-5)
        #expect(current.core.pMax == core.pMax)
    }

    /// Rejection zeroes the velocity; acceptance keeps it; the schedule observes one loss per update.
    @Test func stateFollowsTheVerdict() throws {
        let table = try AdaptationFixtures.table()
        var rng = SplitMix64(seed: 6)
        let window = AdaptationFixtures.stream(from: table, count: 2000, rng: &rng)
        let update = OnlineUpdate()
        let start = AdaptationFixtures.prior("h100-80gb-tp8")
        let first = update.run(current: start, base: start, window: window, state: update.initialState())
        #expect(first.isAccepted && first.stepsTaken == 4 && first.trainingCount == 1900)
        #expect(first.state.velocity != SIMD8() && first.state.velocity[0] == 0)
        #expect(first.state.schedule.best == first.dataLossAfter)
        #expect(first.lossAfter < first.lossBefore && first.dataLossAfter < first.dataLossBefore)
        // Holding out rows that the current set predicts perfectly: nothing can beat it.
        var perfect = window
        for i in (perfect.count - 100)..<perfect.count { perfect[i].latencyMs = start.latency(at: perfect[i]) }
        let rejected = update.run(current: start, base: start, window: perfect, state: first.state)
        #expect(!rejected.isAccepted && rejected.verdict.reason == .notBetter && rejected.verdict.currentLoss == 0)
        #expect(rejected.state.velocity == SIMD8())
        #expect(rejected.state.schedule.counter == 1)
    }
}
