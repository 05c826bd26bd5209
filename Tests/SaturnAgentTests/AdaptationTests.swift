import Foundation
import Logging
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnNumerics
import SaturnTestKit
import SaturnWire
import Testing

/// Online adaptation seen from outside: an agent on loopback fed real step tables by a ``Worker``, its update
/// history, predictions and health read by a ``Router``.
@Suite(.timeLimit(.minutes(3)))
struct AdaptationTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let key = ModelKey(model: "llama2-70b", hardware: "h100-80gb-tp4")
    static let h100 = "steps_splitwise_llama2-70b_h100-80gb_tp4.csv"
    static let a100 = "steps_splitwise_llama2-70b_a100-80gb_tp2.csv"

    /// The rows of `data/<name>` that the fit's row filter keeps (the agent drops the others from every fit).
    static func rows(_ name: String) throws -> [StepObservation] {
        let text = try String(contentsOf: Repository.dataFile(name), encoding: .utf8)
        let (table, _) = RowFilter().apply(to: try StepCSV.parse(text))
        // B, S and T only: these tests are about adaptation of the base model.
        let rows = (0..<table.count).map {
            StepObservation(batchSize: table.batchSizes[$0], tokens: table.tokens[$0], latencyMs: table.latencies[$0])
        }
        try #require(rows.count > 100, "\(name) has only \(rows.count) usable rows")
        return rows
    }

    static func agent(_ node: String, _ configure: (inout AgentConfiguration) -> Void = { _ in }) throws -> Agent {
        var c = AgentConfiguration.ephemeralLoopback(nodeID: node)
        configure(&c)
        return try Agent(configuration: c, logger: logger)
    }

    /// A feed of one agent's key (``StepFeed``) for these tests' key and worker.
    static func feed(_ e: BoundEndpoints, key: ModelKey = AdaptationTests.key, seed: UInt64) throws -> StepFeed {
        try StepFeed(e, key: key, workerID: "adapt-w", seed: seed)
    }

    /// The invariants every record must meet; returns how many were checked.
    @discardableResult
    static func checkConsistent(_ records: [UpdateRecord], key: ModelKey) -> Int {
        var lastAccepted: UInt64? = nil
        var lastTime: Int64 = 0
        for r in records {
            let where_ = "\(r.trigger.rawValue)/\(r.path.rawValue) v\(r.version) \(r.reason)"
            #expect(r.key == key, "\(where_)")
            #expect(r.timeUnixNs > 0 && r.timeUnixNs >= lastTime, "\(where_): time \(r.timeUnixNs) after \(lastTime)")
            lastTime = r.timeUnixNs
            #expect(r.trainingRows > 0 && r.validationRows > 0, "\(where_): rows \(r.trainingRows)+\(r.validationRows)")
            #expect(r.durationMs.isFinite && r.durationMs >= 0, "\(where_): duration \(r.durationMs)")
            // The thread's CPU time is measured (> 0: an update computes) and cannot exceed its wall time by more
            // than the clocks' granularity.
            #expect(r.cpuMs > 0 && r.cpuMs <= r.durationMs + 0.5, "\(where_): cpu \(r.cpuMs) ms, wall \(r.durationMs) ms")
            #expect(r.windowRows >= r.trainingRows + r.validationRows, "\(where_): window \(r.windowRows) rows")
            if r.accepted {
                #expect(r.version > 0, "\(where_)")
                #expect(
                    r.validationLossCandidate < r.validationLossCurrent,
                    "\(where_): held-out \(r.validationLossCandidate) vs current \(r.validationLossCurrent)")
                #expect(r.parameters.isWithin(.physical), "\(where_): \(r.parameters)")
                if let last = lastAccepted {
                    #expect(r.version == last + 1, "\(where_): accepted versions \(last) then \(r.version)")
                }
                lastAccepted = r.version
            } else {
                #expect(r.version == 0, "\(where_)")
                // Candidates rejected for being outside the bounds (or not produced) are the exception by definition.
                let invalid = ["out_of_bounds", "non_finite"].contains(r.reason) || r.reason.hasPrefix("fit failed")
                if !invalid { #expect(r.parameters.isWithin(.physical), "\(where_): \(r.parameters)") }
            }
        }
        return records.count
    }

    // MARK: - Cold start

    /// A key answering from a prior is refitted on its first 20 observations (validated on 4 of them), then
    /// followed by the updater, all before it has the 64 that end the cold start.
    @Test func aNewKeyIsAdaptedFromItsFirstObservations() async throws {
        let rows = try Self.rows(Self.h100)
        let agent = try Self.agent("adapt-cold")
        try await agent.withRunning { e in
            let feed = try Self.feed(e, seed: 11)
            defer { feed.close() }
            #expect(try feed.connect())
            let before = try feed.router.predict(Self.key, batchSize: 16, tokens: 512)
            #expect(before.source != .localFit)
            #expect(try feed.publish(40, of: rows, noise: 0.02))
            let c = AgentConfiguration()
            #expect(40 < c.minimumObservations)

            let found = try eventually {
                try feed.router.updateHistory(Self.key).contains {
                    $0.accepted && $0.trigger == .coldStart
                }
            }
            let history = try feed.router.updateHistory(Self.key)
            #expect(found, "no accepted cold-start candidate: \(history.map { "\($0.trigger) \($0.path) \($0.reason)" })")
            #expect(history.allSatisfy { $0.trigger == .coldStart }, "\(history)")
            #expect(history.first?.path == .refit, "\(history)")
            let afterOwnSet = history.drop { !$0.accepted }.dropFirst()
            #expect(afterOwnSet.allSatisfy { $0.path == .updater }, "\(history)")
            #expect(history.allSatisfy { $0.trainingRows + $0.validationRows <= 40 }, "\(history)")
            Self.checkConsistent(history, key: Self.key)
            #expect(try eventually { try feed.router.predict(Self.key, batchSize: 16, tokens: 512).source == .localFit })
            #expect(try feed.health()?.observations == 40)
        }
    }

    /// A cold-start candidate needs 16 usable rows (8 to train, a fifth held out): the configuration refuses a
    /// smaller `coldStartEvery`, and a key whose window has fewer usable rows (here 16 observations of which 10 are
    /// outside the fit's latency window) keeps its count of new observations until it has them.
    @Test func aColdStartNeedsSixteenUsableRowsAndKeepsItsCountUntilThen() async throws {
        var bad = AgentConfiguration.ephemeralLoopback(nodeID: "adapt-cold-bad")
        bad.coldStartEvery = 10
        #expect(bad.problems.contains { $0.contains("coldStartEvery") })
        let rows = try Self.rows(Self.h100)
        let agent = try Self.agent("adapt-cold-16") {
            $0.coldStartEvery = 16
            $0.idleFitInterval = .milliseconds(200)
        }
        try await agent.withRunning { e in
            let feed = try Self.feed(e, seed: 15)
            defer { feed.close() }
            #expect(try feed.connect())
            let slow = rows.map { StepObservation(batchSize: $0.batchSize, tokens: $0.tokens, latencyMs: 600) }
            #expect(try feed.publish(10, of: slow, noise: 0))  // all outside 0.1 < T < 500 ms
            #expect(try feed.publish(6, of: rows, noise: 0.02))
            #expect(try !eventually(.seconds(1)) { try !feed.router.updateHistory(Self.key).isEmpty })
            #expect(try feed.publish(10, of: rows, noise: 0.02))
            let decided = try eventually(.seconds(10)) { try !feed.router.updateHistory(Self.key).isEmpty }
            let count = try feed.updates()
            #expect(decided, "no candidate once 16 usable rows had arrived (\(count) decided)")
        }
    }

    // MARK: - Record consistency and the cap

    @Test func recordsAreConsistentLimitedAndCappedAtOneHundredPerKey() async throws {
        let rows = try Self.rows(Self.h100)
        let agent = try Self.agent("adapt-records") {
            $0.fitEvery = 10
            $0.coldStartEvery = 16
            $0.minimumFitInterval = .zero
        }
        try await agent.withRunning { e in
            let feed = try Self.feed(e, seed: 12)
            defer { feed.close() }
            #expect(try feed.connect())
            #expect(try feed.router.updateHistory(Self.key).isEmpty)
            // Chunks of fitEvery rows, each followed by one more decided candidate (published faster, the rows
            // pile up while a candidate is being produced and one candidate covers many chunks), until well over
            // 100 candidates were decided on, and 2,000 rows published.
            while try feed.published < 2_000 || feed.updates() < 130 {
                try #require(feed.published < 4_000, "not 130 candidates after \(feed.published) rows")
                // The first chunk is 20: a candidate needs 16 usable rows (fewer are skipped without a record).
                let count = feed.published == 0 ? 20 : 10
                try #require(try feed.publishChunk(count, of: rows, noise: 0.02), "no update after \(feed.published)")
            }
            let decided = try feed.updates()
            print("records: \(decided) candidates decided on over \(feed.published) observations")
            #expect(decided > 100)
            let history = try feed.router.updateHistory(Self.key)
            #expect(history.count == 100, "\(history.count) records kept after \(decided) candidates")
            #expect(Self.checkConsistent(history, key: Self.key) > 0)
            #expect(history.contains { $0.accepted })
            let everyKey = try feed.router.updateHistory()
            #expect(everyKey.count == history.count)

            let last2 = try feed.router.updateHistory(Self.key, limit: 2)
            #expect(last2.count == 2, "\(last2.count) records with limit 2")
            // The limit keeps the most recent ones (records can have been added between the two calls).
            let again = try feed.router.updateHistory(Self.key)
            #expect(last2.allSatisfy { r in again.contains(r) })
            #expect(last2.map(\.timeUnixNs) == last2.map(\.timeUnixNs).sorted())

            let unknown = ModelKey(model: "never-seen", hardware: "nowhere")
            #expect(try feed.router.updateHistory(unknown).isEmpty)
            #expect(try feed.router.updateHistory(unknown, limit: 5).isEmpty)
        }
    }

    // MARK: - Drift

    @Test func aSwitchToSlowerHardwareIsRefittedAndTheHealthStaysMeaningful() async throws {
        let before = try Self.rows(Self.h100)
        let after = try Self.rows(Self.a100)
        let chunk = 50
        let agent = try Self.agent("adapt-drift") {
            $0.fitEvery = chunk
            $0.coldStartEvery = 25
        }
        try await agent.withRunning { e in
            let feed = try Self.feed(e, seed: 13)
            defer { feed.close() }
            #expect(try feed.connect())
            // ~1,500 observations of the h100 table, one update decided per chunk.
            while feed.published < 1_500 {
                try #require(try feed.publishChunk(chunk, of: before, noise: 0.02), "no update after \(feed.published)")
            }
            #expect(try eventually { try feed.router.predict(Self.key, batchSize: 16, tokens: 512).source == .localFit })
            let mreBefore = try feed.meanRelativeError(on: before)
            let mreSwitchedBefore = try feed.meanRelativeError(on: after)
            print("drift: before the switch, MRE \(mreBefore) on the h100 table, \(mreSwitchedBefore) on the a100 table")
            #expect(mreSwitchedBefore > 0.15, "the switch would not be a change the test can see")

            let switchedAt = feed.published
            let switchNs = Int64(Date().timeIntervalSince1970 * 1e9)
            var refitAfter: UInt64? = nil
            var refit: UpdateRecord? = nil
            var withinAfter: UInt64? = nil
            var mre = 1.0
            while feed.published - switchedAt < 4_000 {
                try #require(try feed.publishChunk(chunk, of: after, noise: 0.02), "no update after \(feed.published)")
                if refit == nil {
                    refit = try feed.router.updateHistory(Self.key).first {
                        $0.timeUnixNs > switchNs && $0.accepted && $0.path == .refit
                            && ($0.trigger == .drift || $0.trigger == .error)
                    }
                    if refit != nil { refitAfter = feed.published - switchedAt }
                }
                if refit != nil {
                    mre = try feed.meanRelativeError(on: after)
                    if mre < 0.15 {
                        withinAfter = feed.published - switchedAt
                        break
                    }
                }
            }
            let history = try feed.router.updateHistory(Self.key)
            let since = history.filter { $0.timeUnixNs > switchNs }
            print(
                "drift: refit \(refit.map { "\($0.trigger.rawValue) on \($0.trainingRows)+\($0.validationRows) rows" } ?? "none")"
                    + " accepted after \(refitAfter.map(String.init) ?? "-") observations of the switched table"
                    + " (resolution \(chunk)); MRE on it \(mre) after \(withinAfter.map(String.init) ?? "-")")
            print("drift: candidates since the switch: \(since.map { "\($0.trigger.rawValue)/\($0.path.rawValue)/\($0.accepted)" })")
            #expect(refit != nil, "no accepted drift or error refit after the switch")
            #expect(withinAfter != nil, "MRE on the switched table still \(mre) after \(feed.published - switchedAt) rows")
            Self.checkConsistent(history, key: Self.key)

            // Health after all this.
            let health = try feed.router.health()
            let k = try #require(health.keys.first { $0.key == Self.key })
            print("drift: health \(k)")
            #expect(k.recentP95RelativeError > 0 && k.recentP99RelativeError >= k.recentP95RelativeError)
            #expect((0...1).contains(k.degradationPValue) && (0...1).contains(k.driftPValue))
            #expect(k.parameterDriftRate >= 0 && (0...1).contains(k.updateFailureRate))
            #expect(k.status == "ok" || k.status.hasPrefix("degraded: "), "\(k.status)")
            #expect(health.status == "ok" || health.status.hasPrefix("degraded: "), "\(health.status)")
        }
    }

    // MARK: - One path only

    @Test(arguments: [AgentConfiguration.AdaptationPaths.updater, .refit])
    func withOnePathEveryCandidateTakesIt(_ paths: AgentConfiguration.AdaptationPaths) async throws {
        let rows = try Self.rows(Self.h100)
        let agent = try Self.agent("adapt-\(paths.rawValue)") {
            $0.adaptationPaths = paths
            $0.fitEvery = 50
            $0.coldStartEvery = 25
        }
        let expected: UpdatePath = paths == .updater ? .updater : .refit
        // A key without a shipped prior: the h100 tp4 key's prior is a fit of the very table streamed here, which a
        // refit on the first few dozen noisy rows beats on held-out rows only by luck (the key would stay cold).
        let key = ModelKey(model: "llama2-70b", hardware: "unknown-gpu")
        try await agent.withRunning { e in
            let feed = try Self.feed(e, key: key, seed: 14)
            defer { feed.close() }
            #expect(try feed.connect())
            while feed.published < 600 {
                try #require(try feed.publishChunk(50, of: rows, noise: 0.02), "no update after \(feed.published)")
            }
            let history = try feed.router.updateHistory(key)
            #expect(history.count >= 10)
            #expect(history.allSatisfy { $0.path == expected }, "\(history.map { "\($0.trigger)/\($0.path)" })")
            #expect(history.contains { $0.accepted }, "\(history.map { "\($0.trigger)/\($0.reason)" })")
            // The trigger is still recorded as what held, not as the path.
            #expect(history.first?.trigger == .coldStart)
            Self.checkConsistent(history, key: key)
        }
    }
}
