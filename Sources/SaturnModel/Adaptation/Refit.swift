import SaturnNumerics
/// The full-refit path of online adaptation (DESIGN §4), bounded in cost: the offline global fit
/// (``LatencyFitter``) on an evenly strided subsample of the training rows, with a coarser grid, a looser tolerance
/// and a capped evaluation budget, plus a local solve from each warm start (the installed set).
///
/// **Why a subsample.** The model has 8 parameters (7 identifiable); a few hundred rows spread evenly over the
/// window pin them as well as 5,000 do. On the real h100 tp4 table (5,000-row window, 2% noise) a fit on 196 strided
/// rows and one on all 4,900 training rows have the same held-out error (mean squared relative error 0.0061 and
/// 0.0062), and after a switch to a100 tp2 the same too (0.279 both), at a tenth of the cost. Every candidate is
/// validated on held-out rows anyway.
///
/// **The subsample**: at most ``rowLimit`` rows, every `⌈n / rowLimit⌉`-th counted back from the newest training row
/// (so the newest row is always in). The caller cuts the window first (e.g. at a change point after drift).
///
/// **Cost** (release build, 2 cores, quiet): about 0.5–0.7 ms for a 5,000-row window, independent of the window
/// past ``rowLimit`` rows; the solver's evaluation budget bounds the worst case.
///
/// ```swift
/// let report = try Refit().fit(training: rows[..<(rows.count - 100)], warmStarts: [installed])
/// let verdict = Validation.compare(candidate: report.parameters, current: installed, heldOut: rows.suffix(100))
/// ```
public struct Refit: Sendable, Hashable {
    /// The fit's loss. Default ``FitConfiguration/Objective/relative``.
    public var objective: FitConfiguration.Objective
    /// Most rows the fit reads (≥ ``LatencyFitter/minimumRows``). Default 96.
    public var rowLimit: Int
    /// `k_B` grid points. Default 6 (the offline fit: 12).
    public var gridBatchPoints: Int
    /// `k_S` grid points. Default 12 (the offline fit: 24).
    public var gridTokenPoints: Int
    /// Local solves from the best grid cells. Default 2 (the offline fit: 4).
    public var gridStarts: Int
    /// Evaluation budget of each local solve. Default 100 (the offline fit: 400).
    public var maximumEvaluations: Int
    /// Relative tolerance of each local solve. Default 1e-8 (the offline fit: 1e-12; the held-out comparison
    /// cannot see the difference).
    public var tolerance: Double

    /// Creates a refit configuration (defaults above).
    public init(
        objective: FitConfiguration.Objective = .relative, rowLimit: Int = 96, gridBatchPoints: Int = 6,
        gridTokenPoints: Int = 12, gridStarts: Int = 2, maximumEvaluations: Int = 100, tolerance: Double = 1e-8
    ) {
        precondition(rowLimit >= LatencyFitter.minimumRows, "rowLimit must be at least LatencyFitter.minimumRows")
        precondition(gridBatchPoints >= 2 && gridTokenPoints >= 2 && gridStarts >= 0 && maximumEvaluations >= 1)
        precondition(tolerance > 0)
        self.objective = objective
        self.rowLimit = rowLimit
        self.gridBatchPoints = gridBatchPoints
        self.gridTokenPoints = gridTokenPoints
        self.gridStarts = gridStarts
        self.maximumEvaluations = maximumEvaluations
        self.tolerance = tolerance
    }

    /// The subsample the fit reads: at most ``rowLimit`` of `training`, oldest first: one row drawn at random from
    /// each of ``rowLimit`` equal stretches of the window, the newest row always kept. A fixed stride would alias
    /// with periodic streams (an engine alternating prefill and decode steps, a table replayed in order) and train
    /// on one kind of step only. Deterministic: the draw is seeded by the window's size.
    public func subsample(_ training: ArraySlice<StepObservation>) -> [StepObservation] {
        subsampleOffsets(count: training.count).map { training[training.startIndex + $0] }
    }

    /// The offsets (from the first training row, ascending) of the rows ``subsample(_:)`` reads from `count` rows.
    public func subsampleOffsets(count n: Int) -> [Int] {
        guard n > rowLimit else { return Array(0..<n) }
        var rng = SplitMix64(seed: 0x5A7E_5AB5 &+ UInt64(n))
        var rows: [Int] = []
        rows.reserveCapacity(rowLimit)
        for k in 0..<rowLimit {
            // Stretch k is [lo, hi), never empty since n > rowLimit.
            let lo = k * n / rowLimit
            let hi = (k + 1) * n / rowLimit
            rows.append(k == rowLimit - 1 ? n - 1 : lo + Int(rng.next() % UInt64(hi - lo)))
        }
        return rows
    }

    /// The fit configuration of a refit of `family` from `warmStarts` (base parameters; a richer family's terms
    /// start from the best linear completion), behind `rejection` when given.
    public func configuration(
        warmStarts: [LatencyParameters] = [], family: ModelFamily = .base, rejection: OutlierRejection? = nil
    ) -> FitConfiguration {
        var c = FitConfiguration(
            objective: objective, gridBatchPoints: gridBatchPoints, gridTokenPoints: gridTokenPoints,
            gridRowLimit: rowLimit, gridStarts: gridStarts, maximumEvaluations: maximumEvaluations,
            tolerance: tolerance, explorationRowLimit: rowLimit, polishedEndPoints: 1, warmStarts: warmStarts)
        c.family = family
        c.rejection = rejection
        return c
    }

    /// Fits the model to ``subsample(_:)`` of `training` (rows outside the fit's ``RowFilter`` are dropped first).
    ///
    /// - Parameters:
    ///   - training: the training rows, oldest first (not the held-out ones).
    ///   - warmStarts: sets to start a local solve from besides the grid (typically the installed set).
    /// - Throws: ``FitError`` (e.g. fewer than ``LatencyFitter/minimumRows`` usable rows).
    public func fit(training: ArraySlice<StepObservation>, warmStarts: [LatencyParameters] = []) throws(FitError)
        -> FitReport
    {
        try LatencyFitter.fit(
            StepTable(observations: subsample(training)), configuration: configuration(warmStarts: warmStarts))
    }
}
