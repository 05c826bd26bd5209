import Foundation
import Logging
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnNumerics
import SaturnTestKit
import SaturnWire
import Testing

/// The choice of model family and the robust gate, seen from outside: agents on loopback fed real step tables with
/// `K` and `Q` by a ``Worker``, their health, update history and predictions read by a ``Router``.
@Suite(.timeLimit(.minutes(3)))
struct FamilyChoiceTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let vidur = "steps_vidur_llama2-7b_a100_tp1.csv"
    static let splitwise = "steps_splitwise_llama2-70b_a100-80gb_tp4.csv"

    /// The usable steps of `data/<name>` (the fit's row filter applied), with `K` and `Q` from its columns, split
    /// into the settings streamed and the settings held out (one fold of five, grouped like the offline
    /// cross-validation: no setting on both sides).
    static func split(_ name: String, where conditions: [(String, String)] = []) throws
        -> (streamed: [StepObservation], heldOut: [StepObservation])
    {
        let text = try String(contentsOf: Repository.dataFile(name), encoding: .utf8)
        let parsed = try StepCSV.parse(text, where: conditions)
        let (table, _) = RowFilter().apply(to: parsed)
        let rows = table.observations
        let folds = GroupedKFold(groups: GroupedKFold.groups(of: table), splits: 5)
        return (folds.folds[0].train.map { rows[$0] }, folds.folds[0].test.map { rows[$0] })
    }

    static func agent(
        _ node: String, families: [ModelFamily] = ModelFamily.allCases,
        paths: AgentConfiguration.AdaptationPaths = .both
    ) throws -> Agent {
        var c = AgentConfiguration.ephemeralLoopback(nodeID: node)
        c.families = families
        c.adaptationPaths = paths
        return try Agent(configuration: c, logger: logger)
    }

    /// Streams `rows` to an agent until its key has a set of its own and one choice of family has run (or, with
    /// `families == [base]`, the same number of steps), and returns its held-out error, health and the set.
    static func run(
        _ node: String, families: [ModelFamily], key: ModelKey, rows: (streamed: [StepObservation], heldOut: [StepObservation]),
        steps: Int, seed: UInt64, paths: AgentConfiguration.AdaptationPaths = .both
    ) async throws -> (error: Double, health: HealthReport.Key?, set: Prediction) {
        let agent = try agent(node, families: families, paths: paths)
        return try await agent.withRunning { e in
            let feed = try StepFeed(e, key: key, workerID: "family-w", seed: seed)
            defer { feed.close() }
            #expect(try feed.connect())
            // Chunks of 100 (the update interval), each followed by one more decided candidate: the agent sees the
            // stream at the pace it adapts, whatever the machine's load.
            while feed.published < UInt64(steps) {
                let before = try feed.updates()
                #expect(try feed.publish(100, of: rows.streamed, noise: 0.02))
                try #require(try eventually(.seconds(60)) { try feed.updates() > before }, "no update after \(feed.published)")
            }
            let set = try feed.router.predict(key, batchSize: 1, tokens: 1)
            if ProcessInfo.processInfo.environment["SATURN_TEST_VERBOSE"] != nil {
                for r in try feed.router.updateHistory(key) {
                    print("\(node) \(r.trigger.rawValue) \(r.path.rawValue) \(r.accepted) \(r.reason) \(r.model.family.rawValue) cur \(r.validationLossCurrent) cand \(r.validationLossCandidate) rows \(r.trainingRows) gated \(r.gatedRows)")
                }
            }
            return (try feed.meanRelativeError(on: rows.heldOut), try feed.health(), set)
        }
    }

    /// A stream of Vidur steps whose decode cost grows with KV context: the agent's cross-validation chooses a
    /// KV-aware family, a refit installs it, and the error on settings never streamed drops well below that of an
    /// agent kept on the base model (offline, grouped cross-validation: 11.8% base, 5.7% kv, 4.0% kvq).
    @Test func aKVVaryingStreamEndsOnAKVAwareFamily() async throws {
        let rows = try Self.split(Self.vidur, where: [("fits_kv_capacity", "1")])
        let key = ModelKey(model: "llama2-7b", hardware: "a100-tp1")
        let rich = try await Self.run("family-kv", families: ModelFamily.allCases, key: key, rows: rows, steps: 3_000, seed: 5)
        let base = try await Self.run("family-base", families: [.base], key: key, rows: rows, steps: 3_000, seed: 5)
        let choice = try #require(rich.health?.familyChoice, "no family choice in the health reply")
        print(
            "vidur stream: chosen \(choice.chosen.rawValue), installed \(rich.health?.family.rawValue ?? "?"), "
                + "cv \(choice.candidates.map { "\($0.family.rawValue) \($0.cvMeanRelativeError)" }), "
                + "held-out error \(rich.error) against \(base.error) on base only, choice \(choice.durationMs) ms")
        #expect(choice.chosen != .base)
        #expect(choice.candidates.map(\.family) == ModelFamily.allCases)
        #expect(rich.health?.family == choice.chosen)
        #expect(rich.set.family == choice.chosen && rich.set.termCoefficients.count == choice.chosen.terms.count)
        #expect(base.health?.family == .base && base.health?.familyChoice == nil)
        #expect(rich.error < 0.7 * base.error, "held-out error \(rich.error) against \(base.error) on base only")
    }

    /// With the updater alone (`adaptationPaths` `updater`) no family can be installed, so none is chosen: the
    /// key stays on base and its updates keep their own triggers.
    @Test func withTheUpdaterAloneNoFamilyIsChosen() async throws {
        let rows = try Self.split(Self.vidur, where: [("fits_kv_capacity", "1")])
        let key = ModelKey(model: "llama2-7b", hardware: "a100-tp1-updater")
        let run = try await Self.run(
            "family-updater", families: ModelFamily.allCases, key: key, rows: rows, steps: 1_000, seed: 5,
            paths: .updater)
        #expect(run.health?.familyChoice == nil && run.health?.family == .base)
    }

    /// A stream from a Splitwise table, whose `K` is nearly a function of `(B, S)` and the step kind: the choice
    /// runs and keeps the base model.
    @Test func aSplitwiseStreamStaysOnTheBaseModel() async throws {
        let rows = try Self.split(Self.splitwise)
        let key = ModelKey(model: "llama2-70b", hardware: "a100-80gb-tp4")
        let run = try await Self.run("family-sw", families: ModelFamily.allCases, key: key, rows: rows, steps: 3_000, seed: 9)
        let choice = try #require(run.health?.familyChoice, "no family choice in the health reply")
        print("splitwise stream: chosen \(choice.chosen.rawValue), cv \(choice.candidates.map { "\($0.family.rawValue) \($0.cvMeanRelativeError)" }), held-out error \(run.error)")
        #expect(choice.chosen == .base)
        #expect(run.health?.family == .base)
        #expect(run.set.family == .base && run.set.termCoefficients.isEmpty)
    }

    /// Stalled steps (4 times the latency of their setting, still inside the fits' 500 ms window) among clean ones: the robust gate keeps them out of the
    /// fits, counts each once however many updates judge it again, lists them in the health reply with their
    /// residuals, and the key's predictions stay where the clean steps put them.
    @Test func stalledStepsAreGatedCountedOnceAndInspectable() async throws {
        let rows = try Self.split(Self.splitwise)
        let key = ModelKey(model: "llama2-70b", hardware: "a100-80gb-tp4-stalls")
        let agent = try Self.agent("family-stalls", families: [.base])
        try await agent.withRunning { e in
            let feed = try StepFeed(e, key: key, workerID: "family-w", seed: 3)
            defer { feed.close() }
            #expect(try feed.connect())
            // A set of the key's own first (the gate judges with it), then the stalls.
            while try feed.router.predict(key, batchSize: 1, tokens: 1).source != .localFit || feed.published < 500 {
                try #require(feed.published < 3_000, "no local set after \(feed.published) steps")
                let before = try feed.updates()
                #expect(try feed.publish(100, of: rows.streamed, noise: 0.02))
                _ = try eventually(.seconds(60)) { try feed.updates() > before }
            }
            let clean = try feed.meanRelativeError(on: rows.heldOut)
            let stalls = Array(rows.streamed.filter { $0.latencyMs < 100 }.prefix(5))
            try #require(stalls.count == 5)
            let firstStall = feed.published + 101
            #expect(try feed.publish(100, of: rows.streamed, noise: 0.02, stalls: stalls))
            // Five more updates after the stalls: each judges the stalls again while they stay in the window.
            for _ in 0..<5 {
                let before = try feed.updates()
                #expect(try feed.publish(100, of: rows.streamed, noise: 0.02))
                try #require(try eventually(.seconds(60)) { try feed.updates() > before })
            }
            let health = try #require(try feed.health())
            let history = try feed.router.updateHistory(key)
            print("stalls: rejected \(health.rejectedObservations), recent \(health.recentRejections.map { "\($0.observation) \($0.relativeResidual)" }), gated per update \(history.suffix(6).map(\.gatedRows))")
            #expect(health.rejectedObservations == 5)
            #expect(health.recentRejections.map(\.observation) == Array(firstStall..<(firstStall + 5)))
            #expect(health.recentRejections.allSatisfy { $0.relativeResidual < -0.6 })
            #expect(history.suffix(5).allSatisfy { $0.gatedRows >= 5 || $0.path == .refit }, "\(history.suffix(5))")
            let after = try feed.meanRelativeError(on: rows.heldOut)
            #expect(after < clean + 0.02, "held-out error \(after) after the stalls, \(clean) before")
        }
    }

    /// `K` and `Q` in a predict request are checked like every other field: out of range is an error reply.
    @Test func predictRequestsWithBadTermsAreRefused() async throws {
        let agent = try Self.agent("family-predict")
        try await agent.withRunning { e in
            let router = try Router(endpoint: e.query, timeout: .seconds(5))
            defer { router.close() }
            let key = ModelKey(model: "m", hardware: "h")
            for (k, q) in [(-1.0, 0.0), (.nan, 0), (2e12, 0), (0, -1), (0, 65.0 * 65)] {
                #expect(throws: ClientError.self) {
                    try router.predict(key, batchSize: 8, tokens: 64, kvTokens: k, prefillAttentionTokens: q)
                }
            }
            // A base set ignores K and Q.
            let plain = try router.predict(key, batchSize: 8, tokens: 64)
            let given = try router.predict(key, batchSize: 8, tokens: 64, kvTokens: 1e6, prefillAttentionTokens: 4096)
            #expect(plain.family == .base && given.latencyMs == plain.latencyMs)
        }
    }
}
