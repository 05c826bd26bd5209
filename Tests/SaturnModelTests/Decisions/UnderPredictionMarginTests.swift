import SaturnModel
import Testing

/// ``UnderPredictionMargin``: the margin reads only the slow steps, takes the quantile of their under-prediction,
/// and refuses a table that never shows the model near the SLA.
struct UnderPredictionMarginTests {
    static let p = LatencyParameters(vector: [120, 0.08, 0.004, 20, 0.9, 3, 0.05, 0.002])

    /// Steps on a grid of (B, S); those the model predicts at `threshold` ms or more take `slow(T̂)`, the others `fast(T̂)`.
    static func table(threshold: Double, slow: (Double) -> Double, fast: (Double) -> Double) -> StepTable {
        var t = StepTable()
        for b in stride(from: 1.0, through: 64, by: 3) {
            for s in stride(from: 16.0, through: 4096, by: 16) {
                let predicted = p.latency(batchSize: b, tokens: s)
                t.append(batchSize: b, tokens: s, latency: predicted >= threshold ? slow(predicted) : fast(predicted))
            }
        }
        return t
    }

    @Test func coversTheSlowStepsUnderPredictionAndIgnoresTheFastOnes() throws {
        let sla = 80.0
        // Slow steps 20% above the model; fast ones three times above it (they must not count).
        let steps = Self.table(threshold: sla / 2, slow: { $0 * 1.2 }, fast: { $0 * 3 })
        let r = try #require(UnderPredictionMargin.margin(parameters: Self.p, steps: steps, slaMs: sla))
        #expect(abs(r.underPrediction - 0.2) < 1e-12)
        #expect(abs(r.margin - 0.2 / 1.2) < 1e-12)
        // With that margin, the predicted limit times the under-prediction is the SLA.
        #expect(abs(sla * (1 - r.margin) * (1 + r.underPrediction) - sla) < 1e-9)
        let counted = (0..<steps.count).filter { Self.p.latency(batchSize: steps.batchSizes[$0], tokens: steps.tokens[$0]) >= sla / 2 }
        #expect(r.steps == counted.count && r.steps >= 50)
    }

    @Test func overPredictionNeedsNoMarginAndTheMarginIsCapped() throws {
        let over = Self.table(threshold: 40, slow: { $0 * 0.9 }, fast: { $0 })
        #expect(UnderPredictionMargin.margin(parameters: Self.p, steps: over, slaMs: 80)?.margin == 0)
        let wild = Self.table(threshold: 40, slow: { $0 * 5 }, fast: { $0 })
        #expect(UnderPredictionMargin.margin(parameters: Self.p, steps: wild, slaMs: 80)?.margin == 0.5)
    }

    @Test func theQuantileIsTheOneAsked() throws {
        // Half the slow steps 10% over, half 30% over: the median is between, the 0.99 quantile is 30%.
        var flip = false
        let steps = Self.table(threshold: 40, slow: { flip.toggle(); return $0 * (flip ? 1.1 : 1.3) }, fast: { $0 })
        let p99 = try #require(UnderPredictionMargin.margin(parameters: Self.p, steps: steps, slaMs: 80))
        let p10 = try #require(UnderPredictionMargin.margin(parameters: Self.p, steps: steps, slaMs: 80, quantile: 0.1))
        #expect(abs(p99.underPrediction - 0.3) < 1e-9 && abs(p10.underPrediction - 0.1) < 1e-9)
    }

    @Test func tooFewSlowStepsIsNil() {
        // An SLA so loose that no step comes near half of it.
        let steps = Self.table(threshold: 1e9, slow: { $0 }, fast: { $0 })
        #expect(UnderPredictionMargin.margin(parameters: Self.p, steps: steps, slaMs: 1e6) == nil)
        #expect(UnderPredictionMargin.margin(parameters: Self.p, steps: StepTable(), slaMs: 80) == nil)
    }
}
