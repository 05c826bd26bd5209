import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

/// `admission.json` (the design's greedy rule) and every ``AdmissionOptions`` option.
struct AdmissionTests {
    static let profile = LatencyParameters(
        pMax: 120, kB: 0.08, kS: 0.004, w0: 20, w1: 0.9, tau0: 3, tauB: 0.05, tauS: 0.002)

    @Test func greedyRuleMatchesTheGoldenCases() throws {
        let cases = try Golden("admission").cases()
        #expect(cases.count == 25)
        for c in cases {
            let p = try c.parameters("theta")
            let running = try c.doubles("running_tokens")
            let waiting = try c.objects("waiting").enumerated().map { i, w in
                AdmissionCandidate(id: UInt64(1000 + i), priority: w.double("priority")!, tokens: w.double("tokens")!)
            }
            let (d, trace) = Admission.decideWithTrace(
                running: running, waiting: waiting, slaMs: c.double("sla_ms")!, parameters: p)
            let expected = try c.doubles("admitted_indices").map { Int($0) }
            #expect(d.admitted.map(\.waitingIndex) == expected, "\(c.id) indices")
            #expect(d.admitted.map(\.id) == expected.map { UInt64(1000 + $0) }, "\(c.id) ids")
            #expect(d.admitted.allSatisfy { !$0.isChunk && $0.tokens == waiting[$0.waitingIndex].tokens }, "\(c.id)")
            #expect(d.stopReason.rawValue == c.string("stop_reason"), "\(c.id) stop reason")
            if let tc = c.double("T_current") {
                #expect(isClose(d.currentLatencyMs ?? .nan, tc, rel: 1e-12), "\(c.id) T_current")
            } else {
                #expect(c.isNull("T_current") && d.currentLatencyMs == nil, "\(c.id) T_current")
            }
            let expectedTrace = try c.objects("trace")
            try #require(trace.count == expectedTrace.count, "\(c.id) trace length")
            for (got, e) in zip(trace, expectedTrace) {
                #expect(got.waitingIndex == e.int("index"), "\(c.id) trace index")
                #expect(got.batchSize == e.int("B"), "\(c.id) trace B")
                #expect(got.tokens == e.double("S"), "\(c.id) trace S")
                #expect(isClose(got.latencyMs, e.double("T")!, rel: 1e-12), "\(c.id) trace T")
                #expect(got.fits == e.bool("fits"), "\(c.id) trace fits")
            }
            // The decision path without a trace gives the same answer.
            #expect(Admission.decide(running: running, waiting: waiting, slaMs: c.double("sla_ms")!, parameters: p) == d)
        }
    }

    /// Decode-heavy batch at a tight SLA: with four small requests running, `T` falls as the batch grows.
    static func smallBatchFalling() -> (running: [Double], waiting: [AdmissionCandidate], sla: Double) {
        let p = profile
        let running: [Double] = [1, 1]
        let waiting = (0..<30).map { AdmissionCandidate(id: UInt64($0), priority: 0, tokens: 4) }
        // Pick an SLA between T at the current batch and the minimum over the batch sizes reachable.
        let current = p.latency(batchSize: 2, tokens: 2)
        let later = p.latency(batchSize: 32, tokens: 122)
        return (running, waiting, (current + later) / 2)
    }

    @Test func bestEffortAdmitsARunThatBringsTheStepUnderTheSLA() {
        let (running, waiting, sla) = Self.smallBatchFalling()
        let p = Self.profile
        #expect(p.latency(batchSize: 2, tokens: 2) > sla)
        let greedy = Admission.decide(running: running, waiting: waiting, slaMs: sla, parameters: p)
        #expect(greedy.admitted.isEmpty && greedy.stopReason == .currentOverSLA)
        let best = Admission.decide(
            running: running, waiting: waiting, slaMs: sla, options: .init(rule: .bestEffort), parameters: p)
        #expect(!best.admitted.isEmpty)
        #expect(best.admitted.map(\.waitingIndex) == Array(0..<best.admitted.count), "a priority-order prefix")
        #expect(best.predictedLatencyMs! <= sla)
        // The run is the longest that fits: one more would be over.
        let n = best.admitted.count
        if n < waiting.count {
            #expect(p.latency(batchSize: Double(2 + n + 1), tokens: Double(2 + 4 * (n + 1))) > sla)
        }
    }

    @Test func bestEffortContainsGreedyOnRandomCases() {
        var rng = SplitMix64(seed: 8)
        for _ in 0..<2000 {
            let (running, waiting, sla) = Self.randomCase(&rng)
            let g = Admission.decide(running: running, waiting: waiting, slaMs: sla, parameters: Self.profile)
            let b = Admission.decide(
                running: running, waiting: waiting, slaMs: sla, options: .init(rule: .bestEffort),
                parameters: Self.profile)
            #expect(b.admitted.count >= g.admitted.count)
            #expect(Array(b.admitted.prefix(g.admitted.count)) == g.admitted)
            if !b.admitted.isEmpty { #expect(b.predictedLatencyMs! <= sla) }
            if !g.admitted.isEmpty { #expect(g.predictedLatencyMs! <= sla) }
        }
    }

    static func randomCase(_ rng: inout SplitMix64) -> ([Double], [AdmissionCandidate], Double) {
        let running = (0..<Int(rng.next() % 12)).map { _ in rng.nextUniform() < 0.7 ? 1.0 : Double(1 + rng.next() % 400) }
        let waiting = (0..<Int(rng.next() % 24)).map { i in
            AdmissionCandidate(
                id: UInt64(i), priority: Double(rng.next() % 4), tokens: Double(1 + rng.next() % 600))
        }
        return (running, waiting, 8 + 60 * rng.nextUniform())
    }

    @Test func scanPastMisfitAdmitsLaterRequestsThatFit() {
        let p = Self.profile
        let waiting = [
            AdmissionCandidate(id: 1, priority: 0, tokens: 100),
            AdmissionCandidate(id: 2, priority: 0, tokens: 3000),
            AdmissionCandidate(id: 3, priority: 0, tokens: 100),
        ]
        let sla = 21.0  // T(3, 300) = 19.96 runs, T(4, 400) = 18.49 fits, T(5, 3400) does not
        let stop = Admission.decide(running: [100, 100, 100], waiting: waiting, slaMs: sla, parameters: p)
        #expect(stop.admitted.map(\.id) == [1] && stop.stopReason == .firstMisfit)
        let scan = Admission.decide(
            running: [100, 100, 100], waiting: waiting, slaMs: sla, options: .init(scanPastMisfit: true), parameters: p)
        #expect(scan.admitted.map(\.id) == [1, 3] && scan.stopReason == .endOfQueue)
        #expect(scan.predictedLatencyMs! <= sla)
    }

    @Test func chunkingAdmitsTheLargestPrefixThatFits() throws {
        let p = Self.profile
        let sla = 40.0
        let waiting = [AdmissionCandidate(id: 9, priority: 0, tokens: 5000)]
        let whole = Admission.decide(running: [100, 100, 100], waiting: waiting, slaMs: sla, parameters: p)
        #expect(whole.admitted.isEmpty && whole.stopReason == .firstMisfit)
        let d = Admission.decide(
            running: [100, 100, 100], waiting: waiting, slaMs: sla, options: .init(minimumChunkTokens: 64), parameters: p)
        let a = try #require(d.admitted.first)
        #expect(d.stopReason == .chunked && a.isChunk && a.tokens < 5000 && a.tokens >= 64)
        #expect(a.tokens == a.tokens.rounded(), "whole tokens")
        #expect(p.latency(batchSize: 4, tokens: 300 + a.tokens) <= sla)
        #expect(p.latency(batchSize: 4, tokens: 300 + a.tokens + 1) > sla, "the largest prefix")
        // A minimum chunk larger than what fits admits nothing.
        let tooBig = Admission.decide(
            running: [100, 100, 100], waiting: waiting, slaMs: sla, options: .init(minimumChunkTokens: a.tokens + 1),
            parameters: p)
        #expect(tooBig.admitted.isEmpty)
    }

    @Test func safetyMarginTightensTheSLA() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<500 {
            let (running, waiting, sla) = Self.randomCase(&rng)
            let d = Admission.decide(
                running: running, waiting: waiting, slaMs: sla, options: .init(safetyMargin: 0.1),
                parameters: Self.profile)
            #expect(d.effectiveSLAMs == sla * 0.9)
            if !d.admitted.isEmpty { #expect(d.predictedLatencyMs! <= sla * 0.9) }
            let plain = Admission.decide(running: running, waiting: waiting, slaMs: sla, parameters: Self.profile)
            #expect(d.admitted.count <= plain.admitted.count)
        }
        #expect(AdmissionOptions.safetyMargin(p95RelativeError: 0) == 0)
        #expect(isClose(AdmissionOptions.safetyMargin(p95RelativeError: 0.1), 0.1 / 1.1, rel: 1e-15))
        #expect(isClose(AdmissionOptions.safetyMargin(p95RelativeError: 0.05, multiplier: 2), 0.1 / 1.1, rel: 1e-15))
        #expect(AdmissionOptions.safetyMargin(p95RelativeError: 5) == 0.5)
        #expect(AdmissionOptions.safetyMargin(p95RelativeError: .nan) == 0)
        #expect(AdmissionOptions.safetyMargin(p95RelativeError: -1) == 0)
    }

    @Test func concurrencyCapBoundsRunningPlusAdmitted() {
        let waiting = (0..<20).map { AdmissionCandidate(id: UInt64($0), priority: 0, tokens: 1) }
        for rule in AdmissionRule.allCases {
            let d = Admission.decide(
                running: [100, 100, 100], waiting: waiting, slaMs: 1000, options: .init(rule: rule, maximumBatchSize: 8),
                parameters: Self.profile)
            #expect(d.admitted.count == 5 && d.stopReason == .batchSizeLimit, "\(rule)")
            let full = Admission.decide(
                running: [100, 100, 100], waiting: waiting, slaMs: 1000, options: .init(rule: rule, maximumBatchSize: 3),
                parameters: Self.profile)
            #expect(full.admitted.isEmpty && full.stopReason == .batchSizeLimit, "\(rule)")
        }
    }

    @Test(arguments: [5, 64, 65, 300])
    func longAndShortListsAreVisitedInStablePriorityOrder(count: Int) {
        var rng = SplitMix64(seed: UInt64(count))
        let waiting = (0..<count).map {
            AdmissionCandidate(id: UInt64($0), priority: Double(rng.next() % 7) - 3, tokens: 1)
        }
        let expected = waiting.indices.sorted { (waiting[$0].priority, $0) < (waiting[$1].priority, $1) }
        let d = Admission.decide(running: [], waiting: waiting, slaMs: 1e9, parameters: Self.profile)
        #expect(d.admitted.map(\.waitingIndex) == expected && d.stopReason == .allAdmitted)
    }

    @Test func prioritiesAreVisitedAscendingAndStable() {
        let waiting = [
            AdmissionCandidate(id: 0, priority: 2, tokens: 1), AdmissionCandidate(id: 1, priority: -1, tokens: 1),
            AdmissionCandidate(id: 2, priority: 2, tokens: 1), AdmissionCandidate(id: 3, priority: .nan, tokens: 1),
            AdmissionCandidate(id: 4, priority: 0.5, tokens: 1),
        ]
        let d = Admission.decide(running: [], waiting: waiting, slaMs: 1000, parameters: Self.profile)
        #expect(d.admitted.map(\.id) == [1, 4, 0, 2, 3])
        #expect(d.currentLatencyMs == nil && d.stopReason == .allAdmitted)
        let none = Admission.decide(running: [], waiting: [], slaMs: 10, parameters: Self.profile)
        #expect(none.predictedLatencyMs == nil && none.stopReason == .noWaiting)
    }
}
