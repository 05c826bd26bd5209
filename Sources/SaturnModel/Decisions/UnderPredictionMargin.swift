import SaturnNumerics

/// A safety margin that covers how much the model under-predicts the steps that decide a budget: the slow ones.
///
/// A budget is limited by its fullest steps, so the error that matters is the error on steps near the SLA, not the
/// fit's overall error (dominated, in an engine's telemetry, by the many small decode steps the model predicts
/// well). On a step table of observed steps and a parameter set:
/// 1. keep the steps the model predicts at `fromFraction` of the SLA or more (`T̂ ≥ fromFraction · sla`);
/// 2. `u` = the `quantile` of their under-prediction `T / T̂ − 1` (clamped at 0);
/// 3. the margin is `u / (1 + u)`, at most ``AdmissionOptions/maximumDerivedSafetyMargin``: then
///    `T̂ ≤ sla (1 − m)` means `T̂ (1 + u) ≤ sla`.
///
/// This is the same reading of the error as the simulator's Saturn policy (which uses the largest under-prediction
/// of its last 1000 steps at half the SLA or more); `saturn plan --margin observed` uses the 0.99 quantile.
public enum UnderPredictionMargin {
    /// The margin and its evidence.
    public struct Result: Sendable, Hashable {
        /// `m ∈ [0, 0.5]`.
        public var margin: Double
        /// The quantile of the under-prediction, `u`.
        public var underPrediction: Double
        /// Steps predicted at `fromFraction` of the SLA or more (the sample `u` comes from).
        public var steps: Int
    }

    /// - Parameters:
    ///   - steps: observed steps (e.g. an engine's telemetry as a step table).
    ///   - slaMs: the step SLA (ms, > 0).
    ///   - quantile: which quantile of the under-prediction (default 0.99).
    ///   - fromFraction: steps predicted at this fraction of the SLA or more count (default 0.5).
    ///   - minimumSteps: fewer such steps give nil (default 50): the table does not show the model near the SLA.
    /// - Returns: nil when fewer than `minimumSteps` steps qualify.
    public static func margin(
        parameters p: LatencyParameters, steps: StepTable, slaMs: Double, quantile: Double = 0.99,
        fromFraction: Double = 0.5, minimumSteps: Int = 50
    ) -> Result? {
        precondition(slaMs > 0 && quantile >= 0 && quantile <= 1 && fromFraction >= 0, "sla > 0, quantile in [0, 1]")
        var ratios: [Double] = []
        for i in 0..<steps.count {
            let predicted = p.latency(batchSize: steps.batchSizes[i], tokens: steps.tokens[i])
            guard predicted.isFinite, predicted > 0, predicted >= fromFraction * slaMs, steps.latencies[i].isFinite else {
                continue
            }
            ratios.append(steps.latencies[i] / predicted - 1)
        }
        guard ratios.count >= max(1, minimumSteps) else { return nil }
        let u = max(0, Descriptive.quantile(ratios, quantile))
        let m = min(u / (1 + u), AdmissionOptions.maximumDerivedSafetyMargin)
        return Result(margin: m, underPrediction: u, steps: ratios.count)
    }
}
