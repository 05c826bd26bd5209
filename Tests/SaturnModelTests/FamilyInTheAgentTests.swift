import SaturnModel
import Testing

/// What the agent needs to run any family member: the held terms of the updater, term defaults, the family-aware
/// acceptance rule, snapshots and update records that carry a member.
struct FamilyInTheAgentTests {
    static let base = LatencyParameters(pMax: 50, kB: 0.05, kS: 0.002, w0: 10, w1: 0.1, tau0: 5, tauB: 0.1, tauS: 0.01)
    static let kvq = FamilyParameters(family: .kvq, base: base, coefficients: [.kvContext: 3e-4, .prefillAttention: 2e-7])

    static let steps = [
        StepObservation(batchSize: 32, tokens: 32, latencyMs: 40, kvTokens: 32 * 900),
        StepObservation(batchSize: 4, tokens: 2048, latencyMs: 120, kvTokens: 0, prefillAttentionTokens: 4 * 512 * 512),
        StepObservation(batchSize: 1, tokens: 1, latencyMs: 10),
    ]

    /// Rows holding a set's terms make its base parameters, as an ``AdaptiveLatencyModel``, predict the whole set:
    /// value and gradient (the terms are constant in the base parameters).
    @Test func heldTermsMakeTheBasePredictTheWholeSet() {
        for row in Self.kvq.holdingTerms(Self.steps) {
            let whole = Self.kvq.latency(at: row)
            #expect(abs(Self.base.latency(at: row) - whole) <= 1e-12 * whole)
            let (t, g) = Self.base.latencyAndGradient(at: row)
            #expect(abs(t - whole) <= 1e-12 * whole)
            let plain = Self.base.gradient(batchSize: row.batchSize, tokens: row.tokens)
            for j in 0..<8 { #expect(g[j] == plain[j]) }
        }
        // A base set holds nothing: its rows are unchanged.
        let plain = FamilyParameters(family: .base, base: Self.base)
        #expect(plain.holdingTerms(Self.steps) == Self.steps)
    }

    /// Defaults `K = k̄ B`, `Q = q̄ S` from ratios of sums; the effective base predicts what the set predicts with them.
    @Test func termDefaultsFoldIntoTheBase() {
        let d = TermDefaults(of: Self.steps)
        let k: Double = 32 * 900 / 37.0
        let q: Double = 4 * 512 * 512 / 2081.0
        #expect(d.kvTokensPerRequest == k)
        #expect(d.prefillAttentionPerToken == q)
        let effective = Self.kvq.effectiveBase(d)
        #expect(effective.isWithin(.physical))
        for (b, s) in [(1.0, 1.0), (64, 64), (8, 4096)] {
            let withDefaults = Self.kvq.latency(
                batchSize: b, tokens: s, kvTokens: nil, prefillAttentionTokens: nil, defaults: d)
            #expect(abs(effective.latency(batchSize: b, tokens: s) - withDefaults) <= 1e-12 * withDefaults)
        }
        // Given values win over defaults; a base set ignores both.
        #expect(Self.kvq.latency(batchSize: 8, tokens: 8, kvTokens: 0, prefillAttentionTokens: 0, defaults: d)
            == Self.base.latency(batchSize: 8, tokens: 8))
        #expect(FamilyParameters(family: .base, base: Self.base).effectiveBase(d) == Self.base)
        #expect(TermDefaults(vector: d.vector) == d)
        #expect(TermDefaults(kvTokensPerRequest: -.infinity, prefillAttentionPerToken: .nan) == TermDefaults())
    }

    /// The physical check of a member: coefficients finite, in [0, 1] ms per unit, and 0 for terms it lacks.
    @Test func membersOutsideTheirBoundsAreNotPhysical() {
        #expect(Self.kvq.isWithin(.physical))
        var p = Self.kvq
        p.tauK = -1e-9
        #expect(!p.isWithin(.physical))
        p.tauK = 2
        #expect(!p.isWithin(.physical))
        p.tauK = .nan
        #expect(!p.isWithin(.physical))
        var kv = FamilyParameters(family: .kv, base: Self.base, coefficients: [.kvContext: 1e-4])
        #expect(kv.isWithin(.physical))
        kv.tauQ = 1e-9  // a term the family lacks
        #expect(!kv.isWithin(.physical))
    }

    /// The acceptance rule between members compares each set's own predictions; an out-of-bounds candidate is refused
    /// however well it predicts.
    @Test func validationComparesMembersOnTheirOwnPredictions() {
        let truth = Self.kvq.holdingTerms(Self.steps).map { row -> StepObservation in
            var r = row
            r.latencyMs = Self.kvq.latency(at: row)
            r.fixedMs = 0
            return r
        }
        let base = FamilyParameters(family: .base, base: Self.base)
        let better = Validation.compare(candidate: Self.kvq, current: base, heldOut: truth[...])
        #expect(better.isAccepted && better.candidateLoss == 0 && better.currentLoss > 0)
        let worse = Validation.compare(candidate: base, current: Self.kvq, heldOut: truth[...])
        #expect(worse.reason == .notBetter)
        var wild = Self.kvq
        wild.tauK = 5
        #expect(Validation.compare(candidate: wild, current: base, heldOut: truth[...]).reason == .outOfBounds)
        #expect(Validation.compare(candidate: Self.kvq, current: base, heldOut: truth[0..<0]).reason == .tooFewObservations)
    }

    /// Snapshots and update records carry a member; `parameters` stays its base for every reader of the base model.
    @Test func snapshotsAndRecordsCarryTheMember() {
        var s = ParameterSnapshot(key: ModelKey(model: "m", hardware: "h"), model: Self.kvq, source: .localFit,
                                  termDefaults: TermDefaults(kvTokensPerRequest: 900))
        #expect(s.parameters == Self.base && s.model.family == .kvq)
        #expect(s.decisionParameters.tauB == Self.base.tauB + 3e-4 * 900)
        let other = LatencyParameters(pMax: 40, kB: 0.1, kS: 0.001, w0: 1, w1: 0.2, tau0: 3, tauB: 0, tauS: 0.02)
        s.parameters = other
        #expect(s.model.base == other && s.model.tauK == 3e-4)
        let plain = ParameterSnapshot(key: s.key, parameters: Self.base, source: .localFit)
        #expect(plain.model.family == .base && plain.decisionParameters == Self.base)
    }

    /// Tables made of observations keep `K` and `Q` (columns only when some row has them), and back.
    @Test func observationTablesKeepTheTermColumns() {
        let table = StepTable(observations: Self.steps)
        let k: [Double] = [28_800, 0, 0]
        let q: [Double] = [1_048_576, 0, 0]
        #expect(table.kvContextTokens == k)
        #expect(table.prefillAttentionTokens == [q[1], q[0], q[2]])
        #expect(table.observations == Self.steps)
        let plain = StepTable(observations: [StepObservation(batchSize: 1, tokens: 1, latencyMs: 1)])
        #expect(!plain.has(.kvTokens) && !plain.has(.prefillAttention))
    }

    /// The gate's scale from a sample of a long window: the same outliers as from every residual when the sample
    /// represents the window; non-finite residuals always outside.
    @Test func theGateFromASampleFindsThePlantedOutliers() {
        var residuals = (0..<5_000).map { 0.02 * (Double($0 % 41) / 20 - 1) }
        for i in [10, 2_500, 4_999] { residuals[i] = -0.75 }
        residuals[77] = .nan
        let rule = OutlierRejection()
        #expect(rule.outliers(residuals, scaleFromAtMost: 1024) == [10, 77, 2_500, 4_999])
        #expect(rule.outliers(residuals) == [10, 77, 2_500, 4_999])
        #expect(rule.outliers([.nan, .infinity], scaleFromAtMost: 1) == [0, 1])
    }
}
