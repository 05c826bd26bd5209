import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

struct OnlineObjectiveTests {
    /// `ewloss.json`: the design's literal objective (absolute residuals, raw-unit penalty) through this type.
    @Test func reproducesTheGoldenExponentiallyWeightedLosses() throws {
        let cases = try Golden("ewloss").cases()
        var checked = 0
        for c in cases {
            let theta = try c.parameters("theta")
            let base = try c.parameters("base_theta")
            let rows = StepTable(batchSizes: try c.doubles("B"), tokens: try c.doubles("S"), latencies: try c.doubles("T"))
                .observations
            let ew = OnlineObjective(residual: .absolute, decay: c.double("decay")!, regularisation: 0)
            let data = ew.dataLoss(theta, on: rows)
            #expect(isClose(data, c.double("ew_loss")!, rel: 1e-10), "\(c.id) ew")
            #expect(isClose(ew.evaluate(theta, on: rows).dataLoss, data, rel: 1e-15), "\(c.id) evaluate")
            let mse = OnlineObjective(residual: .absolute, decay: 1, regularisation: 0).dataLoss(theta, on: rows)
            #expect(isClose(mse, c.double("mse")!, rel: 1e-10), "\(c.id) mse")
            let penalty = ew.penalty(theta.packed, base: base.packed)
            #expect(isClose(penalty, c.double("penalty_sum_sq_theta_minus_base")!, rel: 1e-12), "\(c.id) penalty")
            let reg = try c.doubles("reg")
            let withEW = try c.doubles("reg_loss_with_ew")
            let withMSE = try c.doubles("reg_loss_with_mse")
            for k in reg.indices {
                var o = ew
                o.regularisation = reg[k]
                #expect(
                    isClose(o.value(dataLoss: data, penalty: penalty), withEW[k], rel: 1e-10), "\(c.id) reg ew \(k)")
                #expect(
                    isClose(o.value(dataLoss: mse, penalty: penalty), withMSE[k], rel: 1e-10), "\(c.id) reg mse \(k)")
            }
            checked += 1
        }
        #expect(checked == 7)
    }

    /// `mse_gradient.json`: with decay 1 and absolute residuals the data term is the MSE and its gradient.
    @Test func reproducesTheGoldenMeanSquaredErrorGradients() throws {
        let cases = try Golden("mse_gradient").cases()
        var checked = 0
        let mse = OnlineObjective(residual: .absolute, decay: 1, regularisation: 0)
        for c in cases {
            let e = mse.evaluate(
                try c.parameters("theta"),
                on: StepTable(batchSizes: try c.doubles("B"), tokens: try c.doubles("S"), latencies: try c.doubles("T"))
                    .observations)
            #expect(isClose(e.dataLoss, c.double("mse")!, rel: 1e-12), "\(c.id) mse")
            let expected = try c.doubles("grad_mse")
            let floor = 1e-12 * expected.map(abs).max()!
            for j in 0..<8 { #expect(isClose(e.gradient[j], expected[j], rel: 1e-9, abs: floor), "\(c.id) grad[\(j)]") }
            checked += 1
        }
        #expect(checked == 8)
    }

    /// The relative-residual gradient against central differences of the value.
    @Test func relativeGradientMatchesFiniteDifferences() throws {
        var rng = SplitMix64(seed: 11)
        let truth = AdaptationFixtures.prior("h100-80gb-tp4")
        let rows = AdaptationFixtures.synthetic(truth, count: 500, noise: 0.05, rng: &rng)
        let p = AdaptationFixtures.prior("a100-80gb-tp8")
        let objective = OnlineObjective()
        let g = objective.evaluate(p, on: rows).gradient
        let largest = (0..<8).map { abs(g[$0]) }.max()!
        for j in 1..<8 {
            var plus = p.packed
            var minus = p.packed
            let h = 1e-6 * Swift.max(abs(plus[j]), 1e-3)
            plus[j] += h
            minus[j] -= h
            let fd =
                (objective.dataLoss(LatencyParameters(packed: plus), on: rows)
                    - objective.dataLoss(LatencyParameters(packed: minus), on: rows)) / (2 * h)
            #expect(isClose(g[j], fd, rel: 1e-5, abs: 1e-9 * largest), "∂D/∂θ[\(j)] \(g[j]) vs \(fd)")
        }
    }

    @Test func negligibleWeightsAreSkippedAndDecayOneReadsEveryRow() {
        let rows = [StepObservation](repeating: StepObservation(batchSize: 4, tokens: 64, latencyMs: 20), count: 5000)
        let p = PriorCatalog.genericDefault
        #expect(OnlineObjective(decay: 0.99).evaluate(p, on: rows).rowsRead == 2750)
        #expect(OnlineObjective(decay: 1).evaluate(p, on: rows).rowsRead == 5000)
        // The newest row has weight 1: a one-row window's loss is its squared relative residual.
        let one = [StepObservation(batchSize: 4, tokens: 64, latencyMs: 20)]
        let r = (p.latency(batchSize: 4, tokens: 64) - 20) / 20
        #expect(isClose(OnlineObjective().dataLoss(p, on: one), r * r, rel: 1e-15))
    }

    @Test func penaltyCountsOnlyMaskedLanes() {
        let o = OnlineObjective(regularisation: 0.5)
        let x = SIMD4<Double>(1, 2, 3, 4)
        let base = SIMD4<Double>(0, 0, 0, 0)
        let mask = SIMD4<Double>(1, 0, 1, 0)
        #expect(o.penalty(x, base: base, mask: mask) == 10)
        #expect(o.penaltyGradient(x, base: base, mask: mask) == SIMD4(1, 0, 3, 0))
        #expect(o.value(dataLoss: 1, penalty: 10) == 6)
    }
}
