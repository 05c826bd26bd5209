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

        /// The objective with short name `sse` or `relative` (``exponentiallyWeighted(decay:)`` needs a decay and
        /// has no short form); nil for any other name.
        public init?(name: String) {
            switch name {
            case "sse": self = .sumOfSquares
            case "relative": self = .relative
            default: return nil
            }
        }
    }

    /// L2 pull towards a base parameter set: `+ λ Σⱼ (θⱼ − baseⱼ)²` over the raw parameters (DESIGN §4).
    ///
    /// With a regulariser the data term is a mean (MSE, mean squared relative error, or the normalised EW loss),
    /// as in the design's `loss + λ·penalty`. `P_max` is held at the base's value (it is not identifiable, so the
    /// data cannot move it; holding it makes its penalty term zero and lets the penalty act on `w₀`, `w₁` in the
    /// base's scale).
    ///
    /// With ``Scaling/raw`` (the design's form, and the default) the penalty is dominated by the parameters with
    /// large numbers (`P_max`, `w₁`, `τ₀`) and barely restrains `k_S` or `τ_S`; ``Scaling/relativeToBase`` divides
    /// each difference by `max(|baseⱼ|, 1e-9)` so every parameter is pulled in proportion.
    public struct Regularization: Sendable, Hashable {
        /// How parameter differences are measured.
        public enum Scaling: String, Sendable, Hashable, Codable {
            /// `Σ (θⱼ − baseⱼ)²`, raw units (DESIGN §4).
            case raw
            /// `Σ ((θⱼ − baseⱼ) / max(|baseⱼ|, 1e-9))²`.
            case relativeToBase = "relative"
        }

        /// λ ≥ 0.
        public var strength: Double
        /// The base set (a prior or the last validated set); must lie within the physical bounds.
        public var base: LatencyParameters
        /// Default ``Scaling/raw``.
        public var scaling: Scaling

        public init(strength: Double, base: LatencyParameters, scaling: Scaling = .raw) {
            self.strength = strength
            self.base = base
            self.scaling = scaling
        }

        /// Per-parameter divisors in ``LatencyParameters/Name`` order.
        public var divisors: [Double] {
            switch scaling {
            case .raw: [Double](repeating: 1, count: 8)
            case .relativeToBase: base.vector.map { Swift.max(abs($0), 1e-9) }
            }
        }
    }

    /// The member of the model family to fit. Default ``ModelFamily/base``. Families with terms cannot be
    /// regularised.
    public var family: ModelFamily
    /// The robust gate (``OutlierRejection``), or nil to use every filtered row. Default nil.
    public var rejection: OutlierRejection?
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
    /// Above this many rows, starts are explored on an evenly strided subsample of this size and only the best
    /// ``polishedEndPoints`` distinct end points are refined on all rows. Default 2000.
    public var explorationRowLimit: Int
    /// End points refined on all rows after exploration. Default 2.
    public var polishedEndPoints: Int
    /// Further local solves, started from these sets (clipped into the bounds), besides the design's values and
    /// the grid: e.g. the installed set when a key is refitted online, so that a refit can only miss the global
    /// minimum where the installed set's basin is worse too. Default none.
    public var warmStarts: [LatencyParameters]

    public init(
        objective: Objective = .sumOfSquares, regularization: Regularization? = nil, filter: RowFilter = RowFilter(),
        gridBatchPoints: Int = 12, gridTokenPoints: Int = 24, gridRowLimit: Int = 1000, gridStarts: Int = 4,
        maximumEvaluations: Int = 400, tolerance: Double = 1e-12, explorationRowLimit: Int = 1000,
        polishedEndPoints: Int = 2, warmStarts: [LatencyParameters] = [], family: ModelFamily = .base,
        rejection: OutlierRejection? = nil
    ) {
        self.family = family
        self.rejection = rejection
        self.warmStarts = warmStarts
        self.explorationRowLimit = explorationRowLimit
        self.polishedEndPoints = polishedEndPoints
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
