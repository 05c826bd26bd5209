/// The online objective (DESIGN §4): an exponentially weighted loss of the most recent window plus an L2 pull
/// towards a base set.
///
///     L(θ) = D(θ) + λ Σⱼ mⱼ (xⱼ − x_baseⱼ)²
///     D(θ) = Σᵢ dⁱ ρᵢ² / Σᵢ dⁱ                    i = 0 for the newest row, d = ``decay``
///
/// **Residuals.** ``Residual/relative`` (the default) uses `ρᵢ = (T̂ᵢ − Tᵢ)/Tᵢ` (dimensionless);
/// ``Residual/absolute`` uses `ρᵢ = T̂ᵢ − Tᵢ` in ms (the design's literal loss, golden `ewloss.json`). The agent
/// adapts with relative residuals because a window mixes decode steps of tens of ms with prefill steps of hundreds:
/// squared absolute errors let the few long steps dominate and leave the SLA-relevant decode steps 5–20% off
/// (DESIGN §9), the accuracy the health check watches is relative, and a dimensionless loss gives the learning rate
/// the same meaning for every key.
///
/// **Penalty.** `x` is whatever space the update runs in: the ``Reparameterisation`` coordinates `u` for the agent
/// (where one unit of every coordinate has the same effect on predictions, so λ pulls every parameter evenly), or
/// the raw vector for the design's literal form (golden `ewloss.json`: `penalty = Σ (θ − θ_base)²` over the 8 raw
/// parameters). `m` masks the lanes that are adapted (fixed and padding lanes do not count).
///
/// **Cost.** One pass over the rows, newest first, with running-product weights (no pow, no allocation). Rows
/// whose weight `dⁱ` has fallen below ``negligibleWeight`` (1e-12) are skipped: all of them together carry less
/// than that share of the total weight (`Σ_{i≥k} dⁱ / Σ dⁱ ≤ dᵏ`), so for `d = 0.99` only the newest 2,750 rows
/// of a 5,000-row window are read, and the loss changes by less than 1e-12 times the largest-to-mean squared
/// residual ratio (far below the noise of a loss estimated from the window). `d = 1` reads every row (the loss is
/// then the MSE).
///
/// Domain: `0 < d ≤ 1`, `λ ≥ 0`, rows with `T > 0` (relative residuals) and `B, S > 0`; a non-empty window.
public struct OnlineObjective: Sendable, Hashable {
    /// How a residual is measured.
    public enum Residual: String, Sendable, Hashable, CaseIterable {
        /// `(T̂ − T)/T`, dimensionless. The default.
        case relative
        /// `T̂ − T`, ms (the design's literal form).
        case absolute
    }

    /// One evaluation of the data term `D` at a parameter set.
    public struct Evaluation<Vector: SIMD & Sendable>: Sendable, Hashable where Vector.Scalar == Double {
        /// `D(θ)`: the weighted mean of `ρ²` (dimensionless for relative residuals, ms² for absolute).
        public var dataLoss: Double
        /// `∂D/∂θ = 2 Σ wᵢ ρᵢ ∂ρᵢ/∂θ / Σ wᵢ`, with respect to the raw parameters.
        public var gradient: Vector
        /// `Σ wᵢ (∂ρᵢ/∂θ)² / Σ wᵢ` lane by lane (the Gauss-Newton diagonal halved), raw units; zero unless
        /// requested. ``Reparameterisation`` derives its scales from it.
        public var sensitivityMeanSquare: Vector
        /// `sqrt(Σ wᵢ Tᵢ² / Σ wᵢ)`, ms: the residual unit of ``Residual/absolute``.
        public var latencyRootMeanSquare: Double
        /// Rows read (the rest had negligible weight).
        public var rowsRead: Int

        /// Memberwise initialiser.
        @inlinable
        public init(
            dataLoss: Double, gradient: Vector, sensitivityMeanSquare: Vector, latencyRootMeanSquare: Double,
            rowsRead: Int
        ) {
            self.dataLoss = dataLoss
            self.gradient = gradient
            self.sensitivityMeanSquare = sensitivityMeanSquare
            self.latencyRootMeanSquare = latencyRootMeanSquare
            self.rowsRead = rowsRead
        }
    }

    /// Rows with weight below this are skipped (see the type's discussion).
    public static let negligibleWeight = 1e-12

    /// The residual. Default ``Residual/relative``.
    public var residual: Residual
    /// `d`, the per-row decay of the weights (the newest row has weight 1). Default 0.99 (DESIGN §4).
    public var decay: Double
    /// `λ ≥ 0`, strength of the pull towards the base set. Default 0.01 (DESIGN §4).
    public var regularisation: Double

    /// Creates an objective. - Precondition: `0 < decay ≤ 1`, `regularisation ≥ 0`.
    public init(residual: Residual = .relative, decay: Double = 0.99, regularisation: Double = 0.01) {
        precondition(decay > 0 && decay <= 1, "decay must be in (0, 1]")
        precondition(regularisation >= 0, "regularisation must be non-negative")
        self.residual = residual
        self.decay = decay
        self.regularisation = regularisation
    }

    /// `D(θ)` alone (no gradient). - Precondition: `rows` is not empty.
    @inlinable
    public func dataLoss<Model: AdaptiveLatencyModel>(_ model: Model, on rows: ArraySlice<StepObservation>) -> Double {
        precondition(!rows.isEmpty, "the window is empty")
        return rows.withUnsafeBufferPointer { buffer in
            var weight = 1.0
            var numerator = 0.0
            var denominator = 0.0
            var i = buffer.count - 1
            let relative = residual == .relative
            while i >= 0 && weight >= Self.negligibleWeight {
                let row = buffer[i]
                var r = model.latency(at: row) - row.latencyMs
                if relative { r /= row.latencyMs }
                numerator += weight * r * r
                denominator += weight
                weight *= decay
                i -= 1
            }
            return numerator / denominator
        }
    }

    /// `D(θ)` alone on a whole window.
    @inlinable
    public func dataLoss<Model: AdaptiveLatencyModel>(_ model: Model, on rows: [StepObservation]) -> Double {
        dataLoss(model, on: rows[...])
    }

    /// `D(θ)`, `∂D/∂θ` and optionally the sensitivity mean squares, in one pass.
    ///
    /// - Parameters:
    ///   - model: the parameter set.
    ///   - rows: the window, oldest first; not empty.
    ///   - sensitivities: also accumulate ``Evaluation/sensitivityMeanSquare`` and
    ///     ``Evaluation/latencyRootMeanSquare`` (a little more arithmetic per row).
    @inlinable
    public func evaluate<Model: AdaptiveLatencyModel>(
        _ model: Model, on rows: ArraySlice<StepObservation>, sensitivities: Bool = false
    ) -> Evaluation<Model.Vector> {
        precondition(!rows.isEmpty, "the window is empty")
        return rows.withUnsafeBufferPointer { buffer in
            var weight = 1.0
            var numerator = 0.0
            var denominator = 0.0
            var latencySquares = 0.0
            var gradient = Model.Vector()
            var squares = Model.Vector()
            var i = buffer.count - 1
            let relative = residual == .relative
            while i >= 0 && weight >= Self.negligibleWeight {
                let row = buffer[i]
                var (t, dr) = model.latencyAndGradient(at: row)
                var r = t - row.latencyMs
                if relative {
                    let inverse = 1 / row.latencyMs
                    r *= inverse
                    dr *= inverse
                }
                numerator += weight * r * r
                denominator += weight
                gradient += (weight * r) * dr
                if sensitivities {
                    squares += weight * (dr * dr)
                    latencySquares += weight * row.latencyMs * row.latencyMs
                }
                weight *= decay
                i -= 1
            }
            return Evaluation(
                dataLoss: numerator / denominator, gradient: (2 / denominator) * gradient,
                sensitivityMeanSquare: squares / denominator,
                latencyRootMeanSquare: (latencySquares / denominator).squareRoot(), rowsRead: buffer.count - 1 - i)
        }
    }

    /// ``evaluate(_:on:sensitivities:)`` on a whole window.
    @inlinable
    public func evaluate<Model: AdaptiveLatencyModel>(
        _ model: Model, on rows: [StepObservation], sensitivities: Bool = false
    ) -> Evaluation<Model.Vector> {
        evaluate(model, on: rows[...], sensitivities: sensitivities)
    }

    /// `Σⱼ mⱼ (xⱼ − baseⱼ)²` (without λ). `mask` is 1 on the lanes that count, 0 elsewhere (default: all lanes).
    @inlinable
    public func penalty<Vector: SIMD>(_ x: Vector, base: Vector, mask: Vector = Vector(repeating: 1)) -> Double
    where Vector.Scalar == Double {
        let d = mask * (x - base)
        return (d * d).sum()
    }

    /// `∂(λ penalty)/∂x = 2 λ m (x − base)`.
    @inlinable
    public func penaltyGradient<Vector: SIMD>(_ x: Vector, base: Vector, mask: Vector = Vector(repeating: 1)) -> Vector
    where Vector.Scalar == Double {
        (2 * regularisation) * mask * (x - base)
    }

    /// `L = D + λ penalty` from its parts.
    @inlinable
    public func value(dataLoss: Double, penalty: Double) -> Double { dataLoss + regularisation * penalty }
}
