import SaturnModel
import SaturnTestKit
import Testing

/// `model_eval.json` and `mse_gradient.json`: the model, its gradient and the MSE gradient.
struct LatencyParametersTests {
    @Test func latencyThroughputAndGradientMatchHighPrecisionValues() throws {
        let cases = try Golden("model_eval").cases()
        #expect(cases.count == 20)
        for c in cases {
            let p = try c.parameters("theta")
            let b = try c.doubles("B")
            let s = try c.doubles("S")
            let thr = try c.doubles("Thr")
            let t = try c.doubles("T")
            let grad = try c.matrix("dT_dtheta")
            try #require(!b.isEmpty && [s.count, thr.count, t.count, grad.count].allSatisfy { $0 == b.count }, "\(c.id)")
            for i in b.indices {
                #expect(isClose(p.latency(batchSize: b[i], tokens: s[i]), t[i], rel: 1e-12), "\(c.id) T[\(i)]")
                #expect(isClose(p.throughput(batchSize: b[i], tokens: s[i]), thr[i], rel: 1e-12), "\(c.id) Thr[\(i)]")
                let g = p.gradient(batchSize: b[i], tokens: s[i])
                for j in 0..<8 {
                    #expect(isClose(g[j], grad[i][j], rel: 1e-10, abs: 1e-250), "\(c.id) dT/dθ[\(i)][\(j)]")
                }
            }
        }
    }

    @Test func mseAndItsGradientMatch() throws {
        let cases = try Golden("mse_gradient").cases()
        #expect(cases.count == 8)
        for c in cases {
            let p = try c.parameters("theta")
            let table = try StepTable(batchSizes: c.doubles("B"), tokens: c.doubles("S"), latencies: c.doubles("T"))
            #expect(table.count > 0, "\(c.id) has no rows")
            #expect(isClose(Loss.meanSquaredError(p, on: table), c.double("mse")!, rel: 1e-12), "\(c.id) mse")
            let g = Loss.meanSquaredErrorGradient(p, on: table)
            let expected = try c.doubles("grad_mse")
            let floor = 1e-12 * expected.map(abs).max()!
            for j in 0..<8 { #expect(isClose(g[j], expected[j], rel: 1e-9, abs: floor), "\(c.id) grad[\(j)]") }
        }
    }

    @Test func exponentiallyWeightedAndRegularisedLossesMatch() throws {
        let cases = try Golden("ewloss").cases()
        #expect(cases.count == 7)
        for c in cases {
            let p = try c.parameters("theta")
            let base = try c.parameters("base_theta")
            let d = c.double("decay")!
            let table = try StepTable(batchSizes: c.doubles("B"), tokens: c.doubles("S"), latencies: c.doubles("T"))
            #expect(table.count > 0, "\(c.id) has no rows")
            let ew = Loss.exponentiallyWeightedLoss(p, on: table, decay: d)
            let mse = Loss.meanSquaredError(p, on: table)
            let penalty = Loss.penalty(p, base: base)
            #expect(isClose(ew, c.double("ew_loss")!, rel: 1e-10), "\(c.id) ew")
            #expect(isClose(mse, c.double("mse")!, rel: 1e-12), "\(c.id) mse")
            #expect(isClose(penalty, c.double("penalty_sum_sq_theta_minus_base")!, rel: 1e-12), "\(c.id) penalty")
            let reg = try c.doubles("reg")
            let withMSE = try c.doubles("reg_loss_with_mse")
            let withEW = try c.doubles("reg_loss_with_ew")
            try #require(reg.count == 4 && withMSE.count == 4 && withEW.count == 4, "\(c.id)")
            for k in reg.indices {
                #expect(isClose(mse + reg[k] * penalty, withMSE[k], rel: 1e-10), "\(c.id) reg mse \(k)")
                #expect(isClose(ew + reg[k] * penalty, withEW[k], rel: 1e-10), "\(c.id) reg ew \(k)")
            }
        }
    }

    @Test func limitsHoldAsTheDesignStates() {
        let p = LatencyParameters(pMax: 80, kB: 0.08, kS: 0.004, w0: 15, w1: 0.6, tau0: 3, tauB: 0.05, tauS: 0.002)
        // Finite and positive for B, S >= 1.
        for b in [1.0, 2, 64, 1024] {
            for s in [1.0, 16, 2048, 100_000] {
                let t = p.latency(batchSize: b, tokens: s)
                #expect(t.isFinite && t > 0)
            }
        }
        // Thr -> P_max and T grows linearly as B, S -> infinity.
        #expect(isClose(p.throughput(batchSize: 1e6, tokens: 1e6), p.pMax, rel: 1e-12))
        let slope = (p.latency(batchSize: 1e6, tokens: 2e6) - p.latency(batchSize: 1e6, tokens: 1e6)) / 1e6
        #expect(isClose(slope, p.w1 / p.pMax + p.tauS, rel: 1e-9))
        // T -> infinity as B, S -> 0.
        #expect(p.latency(batchSize: 1e-6, tokens: 1e-6) > 1e9)
    }

    @Test func parameterOrderLivesInOnePlace() {
        #expect(LatencyParameters.Name.allCases.map(\.rawValue)
                == ["P_max", "k_B", "k_S", "w_0", "w_1", "tau_0", "tau_B", "tau_S"])
        let v: [Double] = [1, 2, 3, 4, 5, 6, 7, 8]
        let p = LatencyParameters(vector: v)
        #expect(p.vector == v)
        for (i, n) in LatencyParameters.Name.allCases.enumerated() { #expect(p[n] == v[i]) }
    }

    @Test func projectionKeepsEveryParameterInsideItsBounds() {
        let wild = LatencyParameters(pMax: -3, kB: 1e9, kS: .nan, w0: -1, w1: 0, tau0: -5, tauB: -1, tauS: .infinity)
        #expect(!wild.isWithin(.physical))
        let p = wild.projected(onto: .physical)
        #expect(p.isWithin(.physical))
        #expect(p.kB == 10 && p.kS == 1e-4 && p.w1 == 1e-6 && p.pMax == 0.1 && p.tauS == 0 && p.w0 == 0)
    }
}
