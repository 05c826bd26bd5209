/// How ``LatencyFitter`` fits the model.
public struct FitConfiguration: Sendable, Hashable {
    /// The data term of the loss.
    public enum Objective: Sendable, Hashable {
        /// `Σ (T̂ − T)²` (DESIGN §2.4).
        case sumOfSquares
        /// `Σ ((T̂ − T)/T)²`: relative error, so short decode steps count as much as long prefills.
        case relative
        /// `Σ dⁱ (T̂ − T)² / Σ dⁱ`, `i = 0` for the newest row (DESIGN §4); `0 < d ≤ 1`.
        case exponentiallyWeighted(decay: Double)

        /// A short name (`sse`, `relative`, `ew`).
        public var name: String {
            switch self {
            case .sumOfSquares: "sse"
            case .relative: "relative"
            case .exponentiallyWeighted: "ew"
            }
        }
    }

    /// L2 pull towards a base parameter set: `+ λ Σⱼ (θⱼ − baseⱼ)²` over the raw parameters (DESIGN §4).
    ///
    /// With a regulariser the data term is a mean (MSE, mean squared relative error, or the normalised EW loss),
    /// as in the design's `loss + λ·penalty`. `P_max` is held at the base's value (it is not identifiable, so the
    /// data cannot move it; holding it makes its penalty term zero and lets the penalty act on `w₀`, `w₁` in the
    /// base's scale).
    public struct Regularization: Sendable, Hashable {
        /// λ ≥ 0.
        public var strength: Double
        /// The base set (a prior or the last validated set); must lie within the physical bounds.
        public var base: LatencyParameters

        public init(strength: Double, base: LatencyParameters) {
            self.strength = strength
            self.base = base
        }
    }

    /// The data term. Default `.sumOfSquares`.
    public var objective: Objective
    /// Optional regulariser. Default none.
    public var regularization: Regularization?
    /// The row filter. Default window 0.1 < T < 500 ms.
    public var filter: RowFilter
    /// Points of the `k_B` grid (log-spaced over its bounds). Default 12.
    public var gridBatchPoints: Int
    /// Points of the `k_S` grid (log-spaced over its bounds). Default 24.
    public var gridTokenPoints: Int
    /// At most this many rows (evenly strided) are used to score the grid. Default 2000.
    public var gridRowLimit: Int
    /// Local solves started from the best grid cells (besides the design's initial values). Default 4.
    public var gridStarts: Int
    /// Evaluation budget of each local solve. Default 400.
    public var maximumEvaluations: Int
    /// Relative tolerance of each local solve (cost reduction, step, projected gradient). Default 1e-12.
    public var tolerance: Double

    public init(
        objective: Objective = .sumOfSquares, regularization: Regularization? = nil, filter: RowFilter = RowFilter(),
        gridBatchPoints: Int = 12, gridTokenPoints: Int = 24, gridRowLimit: Int = 2000, gridStarts: Int = 4,
        maximumEvaluations: Int = 400, tolerance: Double = 1e-12
    ) {
        self.objective = objective
        self.regularization = regularization
        self.filter = filter
        self.gridBatchPoints = gridBatchPoints
        self.gridTokenPoints = gridTokenPoints
        self.gridRowLimit = gridRowLimit
        self.gridStarts = gridStarts
        self.maximumEvaluations = maximumEvaluations
        self.tolerance = tolerance
    }
}
