import Foundation
import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

/// A standard normal draw (Box-Muller).
private func gaussian(_ rng: inout SplitMix64) -> Double {
    let u = Swift.max(rng.nextUniform(), 1e-300)
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * rng.nextUniform())
}

struct NoiseFloorTests {
    @Test func leaveOneOutErrorsByHand() {
        // Group 0: 10, 12, 14 (the others' means 13, 12, 11); group 1: 20, 20; group 2: one row, no repeat.
        let floor = NoiseFloor(latencies: [10, 20, 12, 5, 14, 20], groups: [0, 1, 0, 2, 0, 1])
        #expect(floor.rowErrors.count == 6 && floor.rowErrors[3] == nil)
        let expected: [Double] = [0.3, 0, 0, 3.0 / 14, 0]
        for (got, want) in zip(floor.rowErrors.compactMap { $0 }, expected) { #expect(isClose(got, want, rel: 1e-12)) }
        #expect(floor.rows == 5 && floor.repeatedGroups == 2)
        #expect(isClose(floor.meanRelativeError!, (0.3 + 3.0 / 14) / 5, rel: 1e-12))
        #expect(isClose(floor.ratio(0.2)!, 0.2 / floor.meanRelativeError!, rel: 1e-12))
        // The same rows in other units give the same floor.
        let scaled = NoiseFloor(latencies: [10, 20, 12, 5, 14, 20].map { $0 * 7.5 }, groups: [0, 1, 0, 2, 0, 1])
        #expect(isClose(scaled.meanRelativeError!, floor.meanRelativeError!, rel: 1e-12))
    }

    @Test func noRepeatsMeansNoFloor() {
        let floor = NoiseFloor(latencies: [1, 2, 3], groups: [0, 1, 2])
        #expect(floor.meanRelativeError == nil && floor.rows == 0 && floor.repeatedGroups == 0)
        #expect(floor.ratio(0.1) == nil)
        let exact = NoiseFloor(latencies: [4, 4, 9, 9], groups: [0, 0, 1, 1])
        #expect(exact.meanRelativeError == 0 && exact.ratio(0.1) == nil)
    }

    /// Repeats with Gaussian relative noise σ: each leave-one-out difference is normal with standard deviation
    /// `σ·√(n/(n−1))` (to first order in σ), so the floor is `σ·√(n/(n−1))·√(2/π)`.
    @Test(arguments: [(0.02, 5), (0.05, 3), (0.01, 10)])
    func syntheticGroupsWithKnownSpread(sigma: Double, repeats: Int) {
        var rng = SplitMix64(seed: 11)
        var latencies: [Double] = []
        var groups: [Int] = []
        for g in 0..<4000 {
            let mean = 20 + 2000 * rng.nextUniform()
            for _ in 0..<repeats {
                latencies.append(mean * (1 + sigma * gaussian(&rng)))
                groups.append(g)
            }
        }
        let floor = NoiseFloor(latencies: latencies, groups: groups)
        let n = Double(repeats)
        let expected = sigma * (n / (n - 1)).squareRoot() * (2 / Double.pi).squareRoot()
        #expect(floor.rows == latencies.count && floor.repeatedGroups == 4000)
        #expect(isClose(floor.meanRelativeError!, expected, rel: 0.03), "floor \(floor.meanRelativeError!)")
    }

    @Test func tableFloorGroupsLikeTheFolds() {
        let table = StepTable(
            batchSizes: [1, 1, 2, 2, 2], tokens: [8, 8, 16, 16, 16], latencies: [10, 11, 20, 22, 20],
            extraColumns: [.kvTokens: [0, 0, 5, 5, 6]])
        let floor = NoiseFloor(table: table)
        #expect(floor == NoiseFloor(latencies: table.latencies, groups: GroupedKFold.groups(of: table)))
        #expect(floor.rows == 4 && floor.rowErrors[4] == nil)
    }

    @Test func selectionReportsTheFloorAndWhereItsErrorLies() throws {
        // 24 settings measured 4 times each, 1% Gaussian noise around a known base model, and one setting measured
        // 40% slower than the model: the only place the error rises far above the floor.
        let truth = LatencyParameters(pMax: 80, kB: 0.08, kS: 0.004, w0: 15, w1: 0.6, tau0: 3, tauB: 0.05, tauS: 0.002)
        var rng = SplitMix64(seed: 5)
        var b: [Double] = [], s: [Double] = [], t: [Double] = []
        for (i, bi) in [1.0, 2, 4, 8, 16, 32].enumerated() {
            for si in [bi, bi * 128, bi * 512, bi * 1024] {
                for _ in 0..<4 {
                    b.append(bi)
                    s.append(si)
                    let slow = i == 3 && si == bi * 128 ? 1.4 : 1
                    t.append(slow * truth.latency(batchSize: bi, tokens: si) * (1 + 0.01 * gaussian(&rng)))
                }
            }
        }
        let table = StepTable(batchSizes: b, tokens: s, latencies: t)
        let selection = try FamilySelection(
            table: table, families: [.base], configuration: FitConfiguration(objective: .relative, filter: RowFilter(maximumLatency: .infinity)))
        #expect(selection.scoredIndices == Array(0..<table.count) && selection.groups.count == table.count)
        let floor = try #require(selection.noiseFloor.meanRelativeError)
        #expect(floor > 0.005 && floor < 0.02)
        #expect(selection.noiseFloor == NoiseFloor(table: table))
        let candidate = selection.chosenCandidate
        #expect(candidate.outOfFoldErrors.count == table.count)
        #expect(isClose(candidate.outOfFoldErrors.reduce(0, +) / Double(table.count), candidate.cvMAPE, rel: 1e-12))
        let settings = selection.settingErrors(of: candidate)
        #expect(settings.count == 24 && settings.allSatisfy { $0.rows == 4 && $0.noiseFloor != nil })
        #expect(isClose(settings.map(\.share).reduce(0, +), 1, rel: 1e-12))
        #expect(settings.map(\.share) == settings.map(\.share).sorted(by: >))
        // The slow setting (B = 8, S = 1024, rows 52-55) carries the largest part of the error.
        #expect(settings[0].firstIndex == 52 && settings[0].cvMAPE > 0.2)
        #expect(candidate.cvMAPE > 1.5 * floor)
    }
}
