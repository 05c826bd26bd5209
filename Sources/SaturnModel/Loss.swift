/// The losses the design uses, evaluated directly (the fit minimises the same quantities).
///
/// Residuals are `rᵢ = T̂ᵢ − Tᵢ` with rows in time order (index 0 oldest, last newest).
public enum Loss {
    /// `MSE = (1/n) Σ rᵢ²`. - Precondition: a non-empty table.
    public static func meanSquaredError(_ p: LatencyParameters, on table: StepTable) -> Double {
        precondition(!table.isEmpty)
        var s = 0.0
        for i in 0..<table.count {
            let r = p.latency(batchSize: table.batchSizes[i], tokens: table.tokens[i]) - table.latencies[i]
            s += r * r
        }
        return s / Double(table.count)
    }

    /// Sum of squared residuals.
    public static func sumOfSquaredResiduals(_ p: LatencyParameters, on table: StepTable) -> Double {
        var s = 0.0
        for i in 0..<table.count {
            let r = p.latency(batchSize: table.batchSizes[i], tokens: table.tokens[i]) - table.latencies[i]
            s += r * r
        }
        return s
    }

    /// Sum of squared relative residuals `Σ ((T̂ − T)/T)²` (the relative fit's objective).
    public static func sumOfSquaredRelativeResiduals(_ p: LatencyParameters, on table: StepTable) -> Double {
        var s = 0.0
        for i in 0..<table.count {
            let t = table.latencies[i]
            let r = (p.latency(batchSize: table.batchSizes[i], tokens: table.tokens[i]) - t) / t
            s += r * r
        }
        return s
    }

    /// The data term `objective` minimises, evaluated for `p` on `table` (no regulariser).
    public static func value(of objective: FitConfiguration.Objective, _ p: LatencyParameters, on table: StepTable)
        -> Double
    {
        switch objective {
        case .sumOfSquares: sumOfSquaredResiduals(p, on: table)
        case .relative: sumOfSquaredRelativeResiduals(p, on: table)
        case .exponentiallyWeighted(let d): exponentiallyWeightedLoss(p, on: table, decay: d)
        }
    }

    /// The gradient of ``meanSquaredError(_:on:)`` with respect to the 8 parameters: `(2/n) Σ rᵢ ∂T̂ᵢ/∂θ`.
    public static func meanSquaredErrorGradient(_ p: LatencyParameters, on table: StepTable) -> [Double] {
        precondition(!table.isEmpty)
        var g = SIMD8<Double>()
        for i in 0..<table.count {
            let b = table.batchSizes[i]
            let s = table.tokens[i]
            let r = p.latency(batchSize: b, tokens: s) - table.latencies[i]
            g += r * p.gradient(batchSize: b, tokens: s)
        }
        g *= 2 / Double(table.count)
        return (0..<8).map { g[$0] }
    }

    /// The weight of row `i` of `n` under exponential decay `d`: `d^(n−1−i)` (the newest row has weight 1).
    public static func decayWeights(count n: Int, decay d: Double) -> [Double] {
        var w = [Double](repeating: 0, count: n)
        var current = 1.0
        for i in stride(from: n - 1, through: 0, by: -1) {
            w[i] = current
            current *= d
        }
        return w
    }

    /// `Σᵢ dⁱ rᵢ² / Σᵢ dⁱ` with `i = 0` the newest row (DESIGN §4).
    public static func exponentiallyWeightedLoss(_ p: LatencyParameters, on table: StepTable, decay d: Double)
        -> Double
    {
        precondition(!table.isEmpty)
        let w = decayWeights(count: table.count, decay: d)
        var num = 0.0
        var den = 0.0
        for i in 0..<table.count {
            let r = p.latency(batchSize: table.batchSizes[i], tokens: table.tokens[i]) - table.latencies[i]
            num += w[i] * r * r
            den += w[i]
        }
        return num / den
    }

    /// `Σⱼ (θⱼ − baseⱼ)²` over the 8 raw parameters (DESIGN §4), or with each difference divided by
    /// `max(|baseⱼ|, 1e-9)` for ``FitConfiguration/Regularization/Scaling/relativeToBase``.
    public static func penalty(
        _ p: LatencyParameters, base: LatencyParameters,
        scaling: FitConfiguration.Regularization.Scaling = .raw
    ) -> Double {
        let divisors = FitConfiguration.Regularization(strength: 0, base: base, scaling: scaling).divisors
        let d = (SIMD8(p.vector) - SIMD8(base.vector)) / SIMD8(divisors)
        return (d * d).sum()
    }

    /// Mean relative error `mean |T̂ − T| / T`.
    public static func meanRelativeError(_ p: LatencyParameters, on table: StepTable) -> Double {
        precondition(!table.isEmpty)
        var s = 0.0
        for i in 0..<table.count {
            let t = table.latencies[i]
            s += abs(p.latency(batchSize: table.batchSizes[i], tokens: table.tokens[i]) - t) / t
        }
        return s / Double(table.count)
    }
}

extension Loss {
    /// The fit objective's value for a set of any family member (its terms read from `table`'s columns): the same
    /// sums as ``value(of:_:on:)`` with the family's predictions.
    public static func value(of objective: FitConfiguration.Objective, _ model: FamilyParameters, on table: StepTable)
        -> Double
    {
        if model.family == .base { return value(of: objective, model.base, on: table) }
        let predicted = model.predictions(for: table)
        let weights: [Double]
        if case .exponentiallyWeighted(let d) = objective {
            weights = decayWeights(count: table.count, decay: d)
        } else {
            weights = []
        }
        var s = 0.0
        for i in 0..<table.count {
            let t = table.latencies[i]
            var r = predicted[i] - t
            switch objective {
            case .sumOfSquares: break
            case .relative: r /= t
            case .exponentiallyWeighted: r *= weights[i].squareRoot()
            }
            s += r * r
        }
        return weights.isEmpty ? s : s / weights.reduce(0, +)
    }
}
