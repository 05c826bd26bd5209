import SaturnModel
import SaturnWire
import Testing

/// Parameter sets and update records on the wire carry their family, coefficients and term defaults; a set whose
/// family this build does not know, or whose coefficients do not fit its family or its bounds, never reaches a model.
struct FamilyProtoTests {
    static let base = LatencyParameters(pMax: 50, kB: 0.05, kS: 0.002, w0: 10, w1: 0.1, tau0: 5, tauB: 0.1, tauS: 0.01)
    static let key = ModelKey(model: "m", hardware: "h")

    static func set(_ model: FamilyParameters, defaults: TermDefaults = TermDefaults()) -> Saturn_V1_ParameterSet {
        ParameterSnapshot(key: key, model: model, version: 3, source: .localFit, termDefaults: defaults).proto
    }

    @Test func setsOfEveryFamilyRoundTrip() throws {
        let defaults = TermDefaults(kvTokensPerRequest: 800, prefillAttentionPerToken: 300)
        for model in [
            FamilyParameters(family: .base, base: Self.base),
            FamilyParameters(family: .kv, base: Self.base, coefficients: [.kvContext: 3e-4]),
            FamilyParameters(family: .kvq, base: Self.base, coefficients: [.kvContext: 3e-4, .prefillAttention: 1e-7]),
        ] {
            let wire = Self.set(model, defaults: defaults)
            #expect(wire.family == model.family.rawValue && wire.termCoefficients == model.coefficients)
            let back = try #require(ParameterSnapshot(validating: wire))
            #expect(back.model == model)
            // Defaults travel with richer sets only (a base set does not use them).
            #expect(back.termDefaults == (model.family == .base ? TermDefaults() : defaults))
        }
        // An older sender's set (no family field) is a base set.
        var old = Self.set(FamilyParameters(family: .base, base: Self.base))
        old.family = ""
        #expect(ParameterSnapshot(validating: old)?.model.family == .base)
    }

    @Test func setsThatCannotReachAModelAreRefused() {
        let kv = FamilyParameters(family: .kv, base: Self.base, coefficients: [.kvContext: 3e-4])
        var unknown = Self.set(kv)
        unknown.family = "kvqz"
        var short = Self.set(kv)
        short.termCoefficients = []
        var extra = Self.set(kv)
        extra.termCoefficients = [3e-4, 1e-7]
        var negative = Self.set(kv)
        negative.termCoefficients = [-1e-6]
        var huge = Self.set(kv)
        huge.termCoefficients = [2]
        var nan = Self.set(kv)
        nan.termCoefficients = [.nan]
        var badDefault = Self.set(kv, defaults: TermDefaults(kvTokensPerRequest: 10))
        badDefault.termDefaults = [-5, 0]
        var tooManyDefaults = Self.set(kv)
        tooManyDefaults.termDefaults = [1, 2, 3]
        for wire in [unknown, short, extra, negative, huge, nan, badDefault, tooManyDefaults] {
            #expect(ParameterSnapshot(validating: wire) == nil, "\(wire)")
        }
    }

    @Test func updateRecordsCarryTheirCandidatesFamily() throws {
        var record = UpdateRecord(
            key: Self.key, timeUnixNs: 1, path: .refit, trigger: .family, accepted: true, reason: "improved",
            validationLossCurrent: 0.02, validationLossCandidate: 0.01, trainingLossBefore: 1, trainingLossAfter: 0.5,
            parameters: Self.base, version: 4, trainingRows: 96, validationRows: 100, durationMs: 2, gatedRows: 3)
        record.model = FamilyParameters(family: .kv, base: Self.base, coefficients: [.kvContext: 3e-4])
        let back = try #require(UpdateRecord(record.proto))
        #expect(back == record)
        var unknown = record.proto
        unknown.family = "nope"
        #expect(UpdateRecord(unknown) == nil)
    }

    /// A prediction names the whole set and its defaults, from which a client gets the base set the agent's decisions
    /// use (the simulator's bus oracle compares decision bases with it).
    @Test func predictionsCarryTheSetAndItsDecisionParameters() throws {
        let model = FamilyParameters(family: .kv, base: Self.base, coefficients: [.kvContext: 3e-4])
        let defaults = TermDefaults(kvTokensPerRequest: 800)
        var p = Prediction(
            latencyMs: 12, version: 2, source: .localFit, recentMeanRelativeError: 0.03, recentObservations: 9,
            parameters: Self.base, originNode: "n")
        p.family = .kv
        p.termCoefficients = model.coefficients
        p.termDefaults = defaults
        let back = try #require(Prediction(p.proto))
        #expect(back == p && back.model == model)
        let snapshot = ParameterSnapshot(key: Self.key, model: model, source: .localFit, termDefaults: defaults)
        #expect(back.decisionParameters == snapshot.decisionParameters && back.decisionParameters != Self.base)
    }
}
