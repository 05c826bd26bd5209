import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

struct AdaptiveLatencyModelTests {
    /// `model_eval.json` through the protocol's fused evaluation.
    @Test func latencyAndGradientMatchTheGoldenValues() throws {
        let cases = try Golden("model_eval").cases()
        var checked = 0
        for c in cases {
            let p = try c.parameters("theta")
            let b = try c.doubles("B")
            let s = try c.doubles("S")
            let t = try c.doubles("T")
            let grad = try c.matrix("dT_dtheta")
            for i in b.indices {
                let step = StepObservation(batchSize: b[i], tokens: s[i], latencyMs: 1)
                let (value, g) = p.latencyAndGradient(at: step)
                #expect(isClose(value, t[i], rel: 1e-12), "\(c.id) T[\(i)]")
                #expect(isClose(p.latency(at: step), t[i], rel: 1e-12), "\(c.id) T[\(i)]")
                for j in 0..<8 { #expect(isClose(g[j], grad[i][j], rel: 1e-10, abs: 1e-250), "\(c.id) dT[\(i)][\(j)]") }
                checked += 1
            }
        }
        #expect(checked == 1000)
    }

    @Test func vectorFormsAndMetadataAgree() {
        let p = AdaptationFixtures.prior("h100-80gb-tp4")
        #expect(LatencyParameters(packed: p.packed) == p)
        #expect(LatencyParameters(vector: p.vector) == p)
        #expect(LatencyParameters.parameterNames == ["P_max", "k_B", "k_S", "w_0", "w_1", "tau_0", "tau_B", "tau_S"])
        #expect(LatencyParameters.transforms.count == LatencyParameters.parameterCount)
        #expect(LatencyParameters.physicalBounds == VectorBounds(ParameterBounds.physical))
        #expect(p.isPhysical)
        // A 9-parameter member through the protocol's default plain-vector forms (the broadcast's).
        let e = ExtendedModel(core: p, tauBS: 1e-5)
        #expect(e.vector == p.vector + [1e-5])
        #expect(ExtendedModel(vector: e.vector) == e)
        #expect(ExtendedModel.parameterNames.count == 9 && e.isPhysical)
    }

    /// Pinning moves `P_max` to the reference's and rescales `w₀`, `w₁`: no prediction changes.
    @Test func equivalentSetsPredictTheSame() {
        let p = AdaptationFixtures.prior("a100-80gb-tp8")
        let reference = AdaptationFixtures.prior("h100-80gb-tp2")
        let q = p.equivalent(pinnedTo: reference)
        #expect(q.pMax == reference.pMax)
        #expect(q != p)
        for b in [1.0, 8, 64] {
            for s in [1.0, 100, 4096] {
                #expect(isClose(q.latency(batchSize: b, tokens: s), p.latency(batchSize: b, tokens: s), rel: 1e-13))
            }
        }
    }

    @Test func projectionLandsInsideTheBox() {
        let bounds = LatencyParameters.physicalBounds
        let wild = SIMD8<Double>(-3, 1e9, .nan, -1, 0, -5, -.infinity, .infinity)
        #expect(!bounds.contains(wild))
        let p = bounds.projection(of: wild)
        #expect(bounds.contains(p))
        #expect(p == SIMD8(0.1, 10, 1e-4, 0, 1e-6, 0, 0, 0))
    }
}
