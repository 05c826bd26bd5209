import Foundation
import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

struct LatencyFitterTests {
    static func synthetic(_ truth: LatencyParameters, rows: Int, relativeNoise: Double, seed: UInt64) -> StepTable {
        var rng = SplitMix64(seed: seed)
        var t = StepTable()
        for _ in 0..<rows {
            let b = Double(1 + Int(rng.next() % 64))
            let s = Double(1 + Int(rng.next() % 2048))
            let clean = truth.latency(batchSize: b, tokens: s)
            t.append(batchSize: b, tokens: s, latency: clean * (1 + relativeNoise * (rng.nextUniform() - 0.5)))
        }
        return t
    }

    static let truth = LatencyParameters(pMax: 100, kB: 0.06, kS: 0.003, w0: 8, w1: 0.8, tau0: 4, tauB: 0.04,
                                         tauS: 0.0015)

    @Test func relativeLossRecoversTheModelAndBeatsSSEOnRelativeError() throws {
        let table = Self.synthetic(Self.truth, rows: 1500, relativeNoise: 0.04, seed: 3)
        let relative = try LatencyFitter.fit(table, configuration: FitConfiguration(objective: .relative))
        let sse = try LatencyFitter.fit(table, configuration: FitConfiguration(objective: .sumOfSquares))
        let mreRelative = Loss.meanRelativeError(relative.parameters, on: table)
        let mreSSE = Loss.meanRelativeError(sse.parameters, on: table)
        #expect(mreRelative <= mreSSE)
        #expect(mreRelative < 0.012)  // noise is uniform ±2%: mean |noise| = 1%
        for (b, s) in [(1.0, 1.0), (8, 64), (32, 1024), (64, 2048)] {
            let want = Self.truth.latency(batchSize: b, tokens: s)
            #expect(isClose(relative.parameters.latency(batchSize: b, tokens: s), want, rel: 0.02))
        }
    }

    @Test func exponentialDecayFollowsTheRecentRegime() throws {
        // The first half comes from a slower machine; with strong decay the fit follows the newer half.
        var slow = Self.truth
        slow.tau0 = 12
        var table = Self.synthetic(slow, rows: 600, relativeNoise: 0.01, seed: 5)
        let recent = Self.synthetic(Self.truth, rows: 600, relativeNoise: 0.01, seed: 6)
        for i in 0..<recent.count {
            table.append(batchSize: recent.batchSizes[i], tokens: recent.tokens[i], latency: recent.latencies[i])
        }
        let ew = try LatencyFitter.fit(table, configuration: FitConfiguration(objective: .exponentiallyWeighted(decay: 0.99)))
        let plain = try LatencyFitter.fit(table)
        #expect(Loss.meanRelativeError(ew.parameters, on: recent) < Loss.meanRelativeError(plain.parameters, on: recent))
        #expect(Loss.meanRelativeError(ew.parameters, on: recent) < 0.01)
        // The reported objective is the design's EW loss at the reported parameters.
        let ewLoss = Loss.exponentiallyWeightedLoss(ew.parameters, on: table, decay: 0.99)
        #expect(isClose(ew.objectiveValue, ewLoss, rel: 1e-8))
    }

    @Test func regularisationPullsTowardsTheBase() throws {
        let table = Self.synthetic(Self.truth, rows: 300, relativeNoise: 0.02, seed: 9)
        let base = LatencyParameters(pMax: 50, kB: 0.2, kS: 0.01, w0: 2, w1: 0.3, tau0: 6, tauB: 0.1, tauS: 0.001)
        // Raw units (the design's penalty): the large-valued parameters are held near the base ...
        let strong = try LatencyFitter.fit(
            table, configuration: FitConfiguration(regularization: .init(strength: 1e6, base: base)))
        #expect(strong.parameters.pMax == base.pMax)
        for name in [LatencyParameters.Name.w0, .w1, .tau0, .tauB] {
            #expect(isClose(strong.parameters[name], base[name], rel: 1e-2), "raw \(name)")
        }
        // ... while k_S (base 0.01) is left far from it: the raw penalty's scale problem (golden Finding 7).
        #expect(!isClose(strong.parameters.kS, base.kS, rel: 0.5))
        // Relative scaling pulls every parameter in proportion.
        let relative = try LatencyFitter.fit(
            table,
            configuration: FitConfiguration(regularization: .init(strength: 1e6, base: base, scaling: .relativeToBase)))
        for name in LatencyParameters.Name.allCases {
            #expect(isClose(relative.parameters[name], base[name], rel: 1e-2), "relative \(name)")
        }
        let relObjective = Loss.meanSquaredError(relative.parameters, on: table)
            + 1e6 * Loss.penalty(relative.parameters, base: base, scaling: .relativeToBase)
        #expect(isClose(relative.objectiveValue, relObjective, rel: 1e-8))
        let weak = try LatencyFitter.fit(
            table, configuration: FitConfiguration(regularization: .init(strength: 1e-9, base: base)))
        #expect(Loss.meanRelativeError(weak.parameters, on: table) < 0.02)
        // Objective = MSE + λ · penalty at the reported parameters.
        let expected = Loss.meanSquaredError(weak.parameters, on: table) + 1e-9 * Loss.penalty(weak.parameters, base: base)
        #expect(isClose(weak.objectiveValue, expected, rel: 1e-8))
    }

    @Test func invalidConfigurationsAndTinyTablesThrow() {
        let table = Self.synthetic(Self.truth, rows: 7, relativeNoise: 0, seed: 1)
        #expect(throws: FitError.tooFewRows(kept: 7, required: 8, dropped: 0)) { try LatencyFitter.fit(table) }
        let ok = Self.synthetic(Self.truth, rows: 50, relativeNoise: 0, seed: 1)
        #expect(throws: FitError.self) {
            try LatencyFitter.fit(ok, configuration: FitConfiguration(objective: .exponentiallyWeighted(decay: 1.5)))
        }
        var outside = Self.truth
        outside.kB = 50
        #expect(throws: FitError.self) {
            try LatencyFitter.fit(ok, configuration: FitConfiguration(regularization: .init(strength: 1, base: outside)))
        }
    }

    @Test func filterCountsEveryReason() {
        let table = StepTable(
            batchSizes: [1, 0, 1, 1, 1, .nan, 2, -1],
            tokens: [1, 5, -3, 5, 5, 5, 9, 3],
            latencies: [10, 10, 10, 0.1, 500, 10, 499.999, 10])
        let (kept, report) = RowFilter().apply(to: table)
        #expect(kept.count == 2)
        #expect(report.dropped[.nonFinite] == 1)
        #expect(report.dropped[.nonPositiveBatchSize] == 2)
        #expect(report.dropped[.nonPositiveTokens] == 1)
        #expect(report.dropped[.latencyTooLow] == 1)
        #expect(report.dropped[.latencyTooHigh] == 1)
        #expect(report.removedIndices == [1, 2, 3, 4, 5, 7])
    }

    /// DESIGN §1 asks what the fitted model does to dT/dB: on every real table, over its operating range.
    @Test func batchSlopeOnFittedParametersIsDocumentedBehaviour() throws {
        let tables = try Repository.stepTables()
        #expect(tables.count == 10, "\(tables.map(\.lastPathComponent))")
        for url in tables {
            let table = try StepCSV.parse(String(contentsOf: url, encoding: .utf8))
            let p = try LatencyFitter.fit(table, configuration: FitConfiguration(objective: .relative)).parameters
            // For decode-like steps (S = B), T must not fall as the batch grows beyond 4 requests:
            // admission relies on it. At B <= 4 a falling T is allowed (saturation term dominating).
            var previous = p.latency(batchSize: 4, tokens: 4)
            for b in stride(from: 5.0, through: 64, by: 1) {
                let t = p.latency(batchSize: b, tokens: b)
                #expect(t >= previous * (1 - 1e-9) || b <= 4, "\(url.lastPathComponent): T falls at B = \(b)")
                previous = t
            }
        }
    }
}
