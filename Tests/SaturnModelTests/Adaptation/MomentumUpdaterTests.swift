import SaturnModel
import SaturnTestKit
import Testing

/// `momentum.json`: projected momentum SGD in raw units, both projection modes, given and computed gradients.
struct MomentumUpdaterTests {
    @Test func reproducesTheGoldenTrajectoriesExactly() throws {
        let cases = try Golden("momentum").cases()
        var checked = 0
        var checkedSteps = 0
        for c in cases {
            let bounds: VectorBounds<SIMD8<Double>> =
                c.string("projection") == "paper" ? .paperProjection : LatencyParameters.physicalBounds
            let computed = c.string("kind") == "computed_mse_grads"
            let divergent = computed && c.double("lr")! >= 0.01
            let rel = computed ? (divergent ? 1e-6 : 1e-9) : 1e-12
            var updater = MomentumUpdater(momentum: c.double("momentum")!, velocity: SIMD8(try c.doubles("v0")))
            var theta = SIMD8(try c.doubles("theta0"))
            let grads = try c.matrix("grads")
            let thetaAfter = try c.matrix("theta_after")
            let vAfter = try c.matrix("v_after")
            let batches = computed ? try c.objects("batches") : []
            let mseBefore = computed ? try c.doubles("mse_before_step") : []
            #expect(grads.count == 20 && thetaAfter.count == 20 && vAfter.count == 20, "\(c.id)")
            for t in grads.indices {
                var g = SIMD8(grads[t])
                if computed {
                    // The MSE and its gradient on this step's batch at the current theta: the online objective with
                    // absolute residuals, decay 1 (equal weights) and no penalty.
                    let rows = StepTable(
                        batchSizes: try batches[t].doubles("B"), tokens: try batches[t].doubles("S"),
                        latencies: try batches[t].doubles("T")
                    ).observations
                    let mse = OnlineObjective(residual: .absolute, decay: 1, regularisation: 0)
                        .evaluate(LatencyParameters(packed: theta), on: rows)
                    #expect(isClose(mse.dataLoss, mseBefore[t], rel: rel), "\(c.id) mse[\(t)]")
                    let floor = 1e-12 * grads[t].map(abs).max()!
                    for j in 0..<8 {
                        #expect(isClose(mse.gradient[j], grads[t][j], rel: rel, abs: floor), "\(c.id) grad[\(t)][\(j)]")
                    }
                    g = mse.gradient
                }
                theta = updater.step(theta, gradient: g, learningRate: c.double("lr")!, bounds: bounds)
                for j in 0..<8 {
                    #expect(isClose(theta[j], thetaAfter[t][j], rel: rel, abs: 1e-12), "\(c.id) theta[\(t)][\(j)]")
                    #expect(isClose(updater.velocity[j], vAfter[t][j], rel: rel, abs: 1e-12), "\(c.id) v[\(t)][\(j)]")
                }
                checkedSteps += 1
            }
            checked += 1
        }
        #expect(checked == 5)
        #expect(checkedSteps == 100)
    }

    @Test func velocityIsNeverProjected() {
        var updater = MomentumUpdater<SIMD8<Double>>(momentum: 0.5)
        let bounds = LatencyParameters.physicalBounds
        var x = LatencyParameters.genericDefaultPacked
        for _ in 0..<10 {
            x = updater.step(x, gradient: SIMD8(repeating: 1e6), learningRate: 1, bounds: bounds)
        }
        #expect(bounds.contains(x))
        // Every lane is on its lower bound while v has grown towards g/(1 − μ) = 2e6.
        #expect(x == bounds.lower)
        #expect(updater.velocity[0] > 1.99e6)
    }
}

extension LatencyParameters {
    static var genericDefaultPacked: SIMD8<Double> { PriorCatalog.genericDefault.packed }
}
