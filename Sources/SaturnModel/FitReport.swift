import SaturnNumerics

/// What a fit produced (names follow SciPy / lmfit meanings, see STYLE §3).
public struct FitReport: Sendable {
    /// Which side of its box a parameter ended on.
    public enum BoundSide: String, Sendable, Codable {
        case lower
        case upper
    }

    /// A row the robust gate (``OutlierRejection``) left out of the fit.
    public struct RejectedRow: Sendable, Equatable, Codable {
        /// Index into the table given to the fit (before the row filter).
        public var index: Int
        /// `(T̂ − T)/T` under the final fit.
        public var relativeResidual: Double

        public init(index: Int, relativeResidual: Double) {
            self.index = index
            self.relativeResidual = relativeResidual
        }
    }

    /// The fitted member of the family and its parameters (``parameters`` plus the terms' coefficients).
    public var model: FamilyParameters
    /// The family fitted.
    public var family: ModelFamily { model.family }
    /// Rows rejected by the robust gate, by ascending index (empty without a gate).
    public var rejected: [RejectedRow]
    /// Refits the gate ran (0 without a gate or when the first fit rejected nothing).
    public var rejectionRounds: Int
    /// Terms whose coefficient ended on its lower bound (0).
    public var activeTerms: [ModelTerm]

    /// The fitted base parameters, in original units, inside ``ParameterBounds/physical``.
    ///
    /// `P_max` is not identifiable; it is reported at the design's initial value (95th percentile of S/T)
    /// clamped so that `w₁ ≥ 1e-6`, or at the regularisation base's value. Predictions do not depend on it.
    public var parameters: LatencyParameters
    /// The objective that was minimised.
    public var objective: FitConfiguration.Objective
    /// The minimised loss (weighted data term, plus the penalty when regularised).
    public var objectiveValue: Double
    /// Unweighted `Σ (T − T̂)²` over the rows used (filtered and not rejected).
    public var sumOfSquaredResiduals: Double
    /// Accepted iterations of the winning local solve.
    public var iterations: Int
    /// Cost evaluations over all local solves (SciPy `nfev`), grid cells not included.
    public var evaluationCount: Int
    /// Normal-equation evaluations over all local solves (SciPy `njev`).
    public var jacobianEvaluationCount: Int
    /// Grid cells scored by non-negative least squares.
    public var gridCellCount: Int
    /// Local solves run.
    public var startCount: Int
    /// Which start won (`design_init` or `grid_<k>`).
    public var bestStart: String
    /// Why the winning local solve stopped.
    public var termination: BoundedLeastSquares.Termination
    /// Parameters that ended on a bound (P_max never appears: it is held, not fitted).
    public var activeBounds: [LatencyParameters.Name: BoundSide]
    /// What the row filter did.
    public var filter: RowFilter.Report
    /// Medians of B and S of the rows used (the solver's normalisation).
    public var medianBatchSize: Double
    public var medianTokens: Double

    /// SciPy's `success` for the winning solve.
    public var isConverged: Bool { termination.isConverged }
    /// Rows used by the fit: kept by the filter and not rejected.
    public var rowsUsed: Int { filter.kept - rejected.count }
}
