import RealModule
import SaturnNumerics

/// Why a fit could not run.
public enum FitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer rows survived the filter than the model has parameters.
    case tooFewRows(kept: Int, required: Int, dropped: Int)
    /// A configuration value is out of its domain.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case let .tooFewRows(kept, required, dropped):
            "only \(kept) usable rows (\(dropped) dropped by the filter); the fit needs at least \(required)"
        case let .invalidConfiguration(message):
            "invalid fit configuration: \(message)"
        }
    }
}

/// The offline fit of the latency model (DESIGN §2), global and bounded.
///
/// 1. Filter the rows (``RowFilter``), normalise `B` and `S` by their medians.
/// 2. Work in the identifiable parameterisation of ``SaturationProblem``: `P_max` is not fitted (it only divides
///    `w₀` and `w₁`), and the model is linear in the other five parameters once `(k_B, k_S)` are fixed.
/// 3. Score a log-spaced `(k_B, k_S)` grid, each cell solved exactly by non-negative least squares
///    (variable projection), and take the best local minima of the grid as starts, together with the design's
///    initial values (P_max = p95 of S/T, k_B = 0.1, k_S = 0.01, w₁ = slope of T on S, τ₀ = min T / 2,
///    w₀ = 1, τ_B = 0.01, τ_S = 1e-4, all clipped into the bounds).
/// 4. Refine each start (and each of ``FitConfiguration/warmStarts``) with ``BoundedLeastSquares`` (analytic
///    Jacobian) and keep the best.
///
/// This reaches the global optimum of every golden case where SciPy's single start stops up to 18% above it.
public enum LatencyFitter {
    /// The minimum number of rows a fit accepts (one per model parameter).
    public static let minimumRows = 8

    /// Fits `table` (rows in time order): the member ``FitConfiguration/family`` of the model family, behind the
    /// robust gate ``FitConfiguration/rejection`` when one is set.
    ///
    /// - Throws: ``FitError``.
    public static func fit(_ table: StepTable, configuration: FitConfiguration = FitConfiguration()) throws(FitError)
        -> FitReport
    {
        let (kept, filterReport) = configuration.filter.apply(to: table)
        guard kept.count >= minimumRows else {
            throw .tooFewRows(kept: kept.count, required: minimumRows, dropped: filterReport.droppedTotal)
        }
        guard let gate = configuration.rejection else {
            return try fitFiltered(kept, filterReport: filterReport, configuration: configuration)
        }
        guard gate.threshold > 0, gate.threshold.isFinite, gate.maximumRounds >= 0, gate.minimumScale >= 0 else {
            throw .invalidConfiguration("rejection threshold must be finite and > 0, rounds and scale >= 0")
        }
        // Positions in `kept` back to indices in `table`.
        var original = [Int]()
        original.reserveCapacity(kept.count)
        var removed = filterReport.removedIndices[...]
        for i in 0..<table.count {
            if let r = removed.first, r == i { removed = removed.dropFirst() } else { original.append(i) }
        }
        func relativeResiduals(_ model: FamilyParameters) -> [Double] {
            let predicted = model.predictions(for: kept)
            return (0..<kept.count).map { (predicted[$0] - kept.latencies[$0]) / kept.latencies[$0] }
        }
        /// Fit, gate, refit until the rejected set is stable; the first fit may use another objective.
        func gated(first: FitConfiguration.Objective) throws(FitError) -> (FitReport, [Int], Int) {
            var firstConfiguration = configuration
            firstConfiguration.objective = first
            var report = try fitFiltered(kept, filterReport: filterReport, configuration: firstConfiguration)
            var rejected: [Int] = []
            var rounds = 0
            while rounds < gate.maximumRounds {
                // The first gate of a sum-of-squares pass reads its own (absolute) residuals; every later one the
                // relative residuals, so rows flagged only in absolute terms come back.
                var residuals = relativeResiduals(report.model)
                if rounds == 0 && first == .sumOfSquares {
                    for i in residuals.indices { residuals[i] *= kept.latencies[i] }
                }
                let flagged = gate.outliers(residuals)
                if (flagged == rejected && rounds > 0) || kept.count - flagged.count < minimumRows { break }
                if flagged.isEmpty && first == configuration.objective { break }
                rounds += 1
                rejected = flagged
                let flaggedSet = Set(flagged)
                let inliers = kept.rows((0..<kept.count).filter { !flaggedSet.contains($0) })
                report = try fitFiltered(inliers, filterReport: filterReport, configuration: configuration)
            }
            return (report, rejected, rounds)
        }
        // Two first passes: the configured objective, and the other of sum of squares / relative. A few rows far
        // below the surface (an impossibly fast step) bend a relative fit most, a few far above it (a stall) bend
        // a sum-of-squares fit most; the pass that ends rejecting fewer rows (then: lower loss) is kept.
        var outcome = try gated(first: configuration.objective)
        let alternative: FitConfiguration.Objective? =
            switch configuration.objective {
            case .relative: .sumOfSquares
            case .sumOfSquares: .relative
            case .exponentiallyWeighted: nil
            }
        if let alternative, !outcome.1.isEmpty, let other = try? gated(first: alternative), other.2 > 0,
            other.1.count < outcome.1.count
                || (other.1.count == outcome.1.count && other.0.objectiveValue < outcome.0.objectiveValue)
        {
            outcome = other
        }
        let (report0, rejected, rounds) = outcome
        var report = report0
        let residuals = relativeResiduals(report.model)
        report.rejected = rejected.map { FitReport.RejectedRow(index: original[$0], relativeResidual: residuals[$0]) }
        report.rejectionRounds = rounds
        return report
    }

    static func fitFiltered(_ kept: StepTable, filterReport: RowFilter.Report, configuration: FitConfiguration)
        throws(FitError) -> FitReport
    {
        let n = kept.count
        let bounds = ParameterBounds.physical
        let mB = Descriptive.median(kept.batchSizes)
        let mS = Descriptive.median(kept.tokens)
        let bn = kept.batchSizes.map { $0 / mB }
        let sn = kept.tokens.map { $0 / mS }
        // Term columns of a richer family, each divided by the mean of its positive values (row-major).
        let terms = configuration.family.terms
        let m = terms.count
        if m > 0 && configuration.regularization != nil {
            throw .invalidConfiguration("the \(configuration.family.rawValue) family cannot be regularised")
        }
        var termScales = [Double](repeating: 1, count: m)
        var extras = [Double](repeating: 0, count: n * m)
        for (j, term) in terms.enumerated() {
            let values = term.values(in: kept)
            let positive = values.filter { $0 > 0 }
            if !positive.isEmpty { termScales[j] = Descriptive.mean(positive) }
            for i in 0..<n { extras[i * m + j] = values[i] / termScales[j] }
        }

        // Row weights (as square roots).
        var sw: [Double]
        let isMean = configuration.regularization != nil
        switch configuration.objective {
        case .sumOfSquares:
            sw = [Double](repeating: isMean ? (1 / Double(n)).squareRoot() : 1, count: n)
        case .relative:
            let scale = isMean ? 1 / Double(n) : 1
            sw = kept.latencies.map { (scale / ($0 * $0)).squareRoot() }
        case .exponentiallyWeighted(let d):
            guard d > 0, d <= 1 else { throw .invalidConfiguration("decay must be in (0, 1], got \(d)") }
            let w = Loss.decayWeights(count: n, decay: d)
            let total = w.reduce(0, +)
            sw = w.map { ($0 / total).squareRoot() }
        }

        // The design's initial values (original units), clipped into the bounds.
        let design = designInitialValues(kept)

        // P_max: held at the base's value when regularised, else reported at the design's initial value.
        let heldPMax: Double?
        var sqrtLambda = 0.0
        var penaltyScale = SIMD8<Double>()
        var penaltyBase = SIMD8<Double>()
        if let reg = configuration.regularization {
            guard reg.strength >= 0, reg.strength.isFinite else {
                throw .invalidConfiguration("regularisation strength must be finite and >= 0")
            }
            guard reg.base.isWithin(bounds) else {
                throw .invalidConfiguration("regularisation base is outside the physical bounds")
            }
            let p = reg.base.pMax
            heldPMax = p
            sqrtLambda = reg.strength.squareRoot()
            // Divisors of kB, kS, w0, w1, tau0, tauB, tauS (P_max is held, its term is zero).
            let d = Array(reg.divisors[1...]) + [1]
            let dv = SIMD8(d)
            penaltyScale = SIMD8(1 / mB, 1 / mS, p, p / mS, 1, 1 / mB, 1 / mS, 0) / dv
            penaltyBase = SIMD8(reg.base.kB, reg.base.kS, reg.base.w0, reg.base.w1, reg.base.tau0, reg.base.tauB,
                                reg.base.tauS, 0) / dv
        } else {
            heldPMax = nil
        }
        // Lower bound of w₁/P: w₁ ≥ 1e-6 with P at most 1e4 (or at the held value).
        let ratio1Min = bounds.lower[4] / (heldPMax ?? bounds.upper[0])
        let lower = [bounds.lower[1] * mB, bounds.lower[2] * mS, 0, ratio1Min * mS, 0, 0, 0]
            + [Double](repeating: 0, count: m)
        let upper = [bounds.upper[1] * mB, bounds.upper[2] * mS, .infinity, .infinity, .infinity, .infinity, .infinity]
            + [Double](repeating: .infinity, count: m)

        let problem = SaturationProblem(
            bn: bn, sn: sn, t: kept.latencies, sw: sw, sqrtLambda: sqrtLambda, penaltyScale: penaltyScale,
            penaltyBase: penaltyBase, extras: extras, extraCount: m)

        // Starts: the design's values, the regularisation base, and the best grid cells.
        var starts: [(String, [Double])] = []
        let designP = heldPMax ?? design.pMax
        starts.append(("design_init", normalised(design, pMax: designP, mB: mB, mS: mS)))
        if let reg = configuration.regularization {
            starts.append(("regularization_base", normalised(reg.base, pMax: reg.base.pMax, mB: mB, mS: mS)))
        }
        for (k, p) in configuration.warmStarts.enumerated() {
            let q = p.projected(onto: bounds)
            var x = normalised(q, pMax: q.pMax, mB: mB, mS: mS)
            for j in 0..<7 { x[j] = Swift.min(Swift.max(x[j], lower[j]), upper[j]) }
            starts.append(("warm_start_\(k)", x))
        }
        let grid = gridStarts(
            bn: bn, sn: sn, t: kept.latencies, sw: sw, lower: lower, upper: upper, configuration: configuration)
        for (k, s) in grid.starts.enumerated() { starts.append(("grid_\(k)", s)) }
        if m > 0 {
            // Every start gets the linear parameters (base and terms) that best fit at its (k_B, k_S).
            starts = starts.map { label, x in
                (label, linearCompletion(x, bn: bn, sn: sn, t: kept.latencies, sw: sw, extras: extras, m: m,
                                         lower: lower, upper: upper))
            }
        }

        var solver = BoundedLeastSquares(lower: lower, upper: upper)
        solver.functionTolerance = configuration.tolerance
        solver.stepTolerance = configuration.tolerance
        solver.gradientTolerance = configuration.tolerance
        solver.maximumEvaluations = configuration.maximumEvaluations

        var best: (label: String, result: BoundedLeastSquares.Result)? = nil
        var nfev = 0
        var njev = 0
        func consider(_ label: String, _ r: BoundedLeastSquares.Result) {
            nfev += r.evaluationCount
            njev += r.jacobianEvaluationCount
            if r.sumOfSquaredResiduals.isFinite,
                best == nil || r.sumOfSquaredResiduals < best!.result.sumOfSquaredResiduals
            {
                best = (label, r)
            }
        }
        if n > configuration.explorationRowLimit {
            // Explore every start on an evenly strided subsample with a looser tolerance, then polish the
            // best distinct end points on all rows. The subsample's basins are the full data's basins; the
            // polish converges to the full-data minimum of the winning one.
            let stride = (n + configuration.explorationRowLimit - 1) / configuration.explorationRowLimit
            let sub = problem.subset(Array(Swift.stride(from: 0, to: n, by: stride)))
            var explorer = solver
            explorer.functionTolerance = Swift.max(configuration.tolerance, 1e-8)
            explorer.stepTolerance = explorer.functionTolerance
            explorer.gradientTolerance = explorer.functionTolerance
            var ends: [(String, BoundedLeastSquares.Result)] = []
            for (label, x0) in starts {
                let r = explorer.minimize(sub, from: x0)
                nfev += r.evaluationCount
                njev += r.jacobianEvaluationCount
                if r.sumOfSquaredResiduals.isFinite { ends.append((label, r)) }
            }
            ends.sort { $0.1.sumOfSquaredResiduals < $1.1.sumOfSquaredResiduals }
            var polished: [[Double]] = []
            let bestSubsample = ends.first?.1.sumOfSquaredResiduals ?? .infinity
            for (label, r) in ends where polished.count < configuration.polishedEndPoints {
                // A runner-up more than 1% worse on the subsample will not overtake on all rows.
                if !polished.isEmpty && r.sumOfSquaredResiduals > bestSubsample * 1.01 { break }
                // Skip end points in the basin of one already polished: every parameter within 1e-3 relative
                // (starts stopped at the exploration tolerance differ in the last digits of one minimum).
                let duplicate = polished.contains { p in
                    zip(p, r.parameters).allSatisfy { abs($0 - $1) <= 1e-3 * Swift.max(abs($0), abs($1), 1e-9) }
                }
                if duplicate { continue }
                polished.append(r.parameters)
                consider(label, solver.minimize(problem, from: r.parameters))
            }
        } else {
            for (label, x0) in starts { consider(label, solver.minimize(problem, from: x0)) }
        }
        guard let winner = best else {
            throw .invalidConfiguration("no start gave a finite loss (check the data for extreme values)")
        }
        let x = winner.result.parameters
        let ratio0 = x[2]
        let ratio1 = x[3] / mS
        let pMax: Double
        if let held = heldPMax {
            pMax = held
        } else {
            let need = bounds.lower[4] / ratio1
            pMax = Swift.min(Swift.max(design.pMax, need, bounds.lower[0]), bounds.upper[0])
        }
        var parameters = LatencyParameters(
            pMax: pMax, kB: x[0] / mB, kS: x[1] / mS, w0: ratio0 * pMax, w1: ratio1 * pMax, tau0: x[4],
            tauB: x[5] / mB, tauS: x[6] / mS)
        parameters = parameters.projected(onto: bounds)
        var coefficients: [ModelTerm: Double] = [:]
        var activeTerms: [ModelTerm] = []
        for (j, term) in terms.enumerated() {
            coefficients[term] = Swift.max(x[7 + j], 0) / termScales[j]
            if winner.result.activeBounds[7 + j] < 0 { activeTerms.append(term) }
        }
        let model = FamilyParameters(family: configuration.family, base: parameters, coefficients: coefficients)

        var active: [LatencyParameters.Name: FitReport.BoundSide] = [:]
        let names: [LatencyParameters.Name] = [.kB, .kS, .w0, .w1, .tau0, .tauB, .tauS]
        for (k, name) in names.enumerated() {
            if winner.result.activeBounds[k] < 0 { active[name] = .lower }
            if winner.result.activeBounds[k] > 0 { active[name] = .upper }
        }
        let predicted = model.predictions(for: kept)
        var sse = 0.0
        for i in 0..<n { sse += (predicted[i] - kept.latencies[i]) * (predicted[i] - kept.latencies[i]) }
        return FitReport(
            model: model, rejected: [], rejectionRounds: 0, activeTerms: activeTerms, parameters: parameters, objective: configuration.objective,
            objectiveValue: winner.result.sumOfSquaredResiduals,
            sumOfSquaredResiduals: sse,
            iterations: winner.result.iterations, evaluationCount: nfev, jacobianEvaluationCount: njev,
            gridCellCount: grid.cells, startCount: starts.count, bestStart: winner.label,
            termination: winner.result.termination, activeBounds: active, filter: filterReport,
            medianBatchSize: mB, medianTokens: mS)
    }

    /// The design's initial values (DESIGN §2.3) in original units, clipped into the physical bounds.
    ///
    /// `P_max` = 95th percentile of S/T (linear interpolation), `k_B` = 0.1, `k_S` = 0.01, `w₁` = slope of the
    /// least-squares line of T on S, `τ₀` = min T / 2; the design leaves the rest open: `w₀` = 1, `τ_B` = 0.01,
    /// `τ_S` = 1e-4.
    public static func designInitialValues(_ table: StepTable) -> LatencyParameters {
        precondition(!table.isEmpty)
        let ratios = zip(table.tokens, table.latencies).map { $0 / $1 }
        let p95 = Descriptive.quantile(ratios, 0.95)
        let meanS = Descriptive.mean(table.tokens)
        let meanT = Descriptive.mean(table.latencies)
        var sxy = 0.0
        var sxx = 0.0
        for i in 0..<table.count {
            let dx = table.tokens[i] - meanS
            sxy += dx * (table.latencies[i] - meanT)
            sxx += dx * dx
        }
        let slope = sxx > 0 ? sxy / sxx : 0
        let minT = table.latencies.min()!
        let raw = LatencyParameters(
            pMax: p95, kB: 0.1, kS: 0.01, w0: 1, w1: slope, tau0: 0.5 * minT, tauB: 0.01, tauS: 1e-4)
        return raw.projected(onto: .physical)
    }

    /// Original-unit parameters to the solver's 7 normalised ones, with `P_max = pMax`.
    static func normalised(_ p: LatencyParameters, pMax: Double, mB: Double, mS: Double) -> [Double] {
        [p.kB * mB, p.kS * mS, p.w0 / pMax, p.w1 / pMax * mS, p.tau0, p.tauB * mB, p.tauS * mS]
    }

    /// `x` with its linear parameters (`x₂ … x₆` and the terms' `x₇ …`) replaced by the non-negative least-squares
    /// solution at its `(x₀, x₁)`, clipped into the bounds (a start for a family with terms). Not on the hot path:
    /// once per start.
    static func linearCompletion(
        _ x: [Double], bn: [Double], sn: [Double], t: [Double], sw: [Double], extras: [Double], m: Int,
        lower: [Double], upper: [Double]
    ) -> [Double] {
        let p = 5 + m
        var gram = [Double](repeating: 0, count: p * p)
        var moment = [Double](repeating: 0, count: p)
        var yy = 0.0
        var v = [Double](repeating: 0, count: p)
        for i in 0..<t.count {
            let u = 1 / (saturation(x[0] * bn[i]).a * saturation(x[1] * sn[i]).a)
            let w2 = sw[i] * sw[i]
            v[0] = u
            v[1] = sn[i] * u
            v[2] = 1
            v[3] = bn[i]
            v[4] = sn[i]
            for j in 0..<m { v[5 + j] = extras[i * m + j] }
            for a in 0..<p {
                moment[a] += w2 * v[a] * t[i]
                for b in 0..<p { gram[a * p + b] += w2 * v[a] * v[b] }
            }
            yy += w2 * t[i] * t[i]
        }
        var nnls = NonNegativeLeastSquares(count: p)
        let sse = gram.withUnsafeBufferPointer { g in
            moment.withUnsafeBufferPointer { mo in nnls.solve(gram: g, moment: mo, yy: yy) }
        }
        guard sse.isFinite else { return x.count == 7 + m ? x : x + [Double](repeating: 0, count: m) }
        var out = [x[0], x[1]] + nnls.solution
        for k in 0..<out.count { out[k] = Swift.min(Swift.max(out[k], lower[k]), upper[k]) }
        return out
    }

    /// Scores the `(k_B, k_S)` grid and returns starts at its best local minima.
    static func gridStarts(
        bn: [Double], sn: [Double], t: [Double], sw: [Double], lower: [Double], upper: [Double],
        configuration: FitConfiguration
    ) -> (starts: [[Double]], cells: Int) {
        let nb = Swift.max(configuration.gridBatchPoints, 2)
        let ns = Swift.max(configuration.gridTokenPoints, 2)
        guard configuration.gridStarts > 0 else { return ([], 0) }
        // Row subsample for scoring.
        let n = t.count
        let stride = Swift.max(1, (n + configuration.gridRowLimit - 1) / configuration.gridRowLimit)
        let rows = Array(Swift.stride(from: 0, to: n, by: stride))
        let m = rows.count
        let b = rows.map { bn[$0] }
        let s = rows.map { sn[$0] }
        let y = rows.map { t[$0] }
        let w = rows.map { sw[$0] * sw[$0] }
        func logspace(_ lo: Double, _ hi: Double, _ count: Int) -> [Double] {
            (0..<count).map { k in
                Double.exp(Double.log(lo) + (Double.log(hi) - Double.log(lo)) * Double(k) / Double(count - 1))
            }
        }
        let kbs = logspace(lower[0], upper[0], nb)
        let kss = logspace(lower[1], upper[1], ns)
        var aB = [Double](repeating: 0, count: nb * m)
        var aS = [Double](repeating: 0, count: ns * m)
        for (k, kb) in kbs.enumerated() { for i in 0..<m { aB[k * m + i] = saturation(kb * b[i]).a } }
        for (k, ks) in kss.enumerated() { for i in 0..<m { aS[k * m + i] = saturation(ks * s[i]).a } }
        // Sums that do not depend on the cell.
        var sW = 0.0, sWB = 0.0, sWS = 0.0, sWBB = 0.0, sWBS = 0.0, sWSS = 0.0
        var sWT = 0.0, sWBT = 0.0, sWST = 0.0, sWTT = 0.0
        for i in 0..<m {
            sW += w[i]; sWB += w[i] * b[i]; sWS += w[i] * s[i]
            sWBB += w[i] * b[i] * b[i]; sWBS += w[i] * b[i] * s[i]; sWSS += w[i] * s[i] * s[i]
            sWT += w[i] * y[i]; sWBT += w[i] * b[i] * y[i]; sWST += w[i] * s[i] * y[i]; sWTT += w[i] * y[i] * y[i]
        }
        var nnls = NonNegativeLeastSquares(count: 5)
        var gram = [Double](repeating: 0, count: 25)
        var moment = [Double](repeating: 0, count: 5)
        var score = [Double](repeating: .infinity, count: nb * ns)
        var solutions = [[Double]](repeating: [], count: nb * ns)
        for ib in 0..<nb {
            for js in 0..<ns {
                var su = 0.0, suS = 0.0, suB = 0.0, suu = 0.0, suuS = 0.0, suuSS = 0.0
                var suSB = 0.0, suSS = 0.0, suT = 0.0, suST = 0.0
                for i in 0..<m {
                    let u = 1 / (aB[ib * m + i] * aS[js * m + i])
                    let wu = w[i] * u
                    let wuS = wu * s[i]
                    su += wu; suS += wuS; suB += wu * b[i]; suu += wu * u; suuS += wuS * u
                    suuSS += wuS * u * s[i]; suSB += wuS * b[i]; suSS += wuS * s[i]
                    suT += wu * y[i]; suST += wuS * y[i]
                }
                let g: [Double] = [
                    sW, su, suS, sWB, sWS,
                    su, suu, suuS, suB, suS,
                    suS, suuS, suuSS, suSB, suSS,
                    sWB, suB, suSB, sWBB, sWBS,
                    sWS, suS, suSS, sWBS, sWSS,
                ]
                for k in 0..<25 { gram[k] = g[k] }
                moment[0] = sWT; moment[1] = suT; moment[2] = suST; moment[3] = sWBT; moment[4] = sWST
                let sse = gram.withUnsafeBufferPointer { gp in
                    moment.withUnsafeBufferPointer { mp in nnls.solve(gram: gp, moment: mp, yy: sWTT) }
                }
                let cell = ib * ns + js
                if sse.isFinite {
                    score[cell] = sse
                    let q = nnls.solution
                    solutions[cell] = [kbs[ib], kss[js], q[1], q[2], q[0], q[3], q[4]]
                }
            }
        }
        // Local minima of the grid (8-neighbourhood), best first; then the best remaining cells.
        var minima: [Int] = []
        for ib in 0..<nb {
            for js in 0..<ns {
                let c = ib * ns + js
                guard score[c].isFinite else { continue }
                var isMin = true
                for db in -1...1 {
                    for ds in -1...1 where !(db == 0 && ds == 0) {
                        let jb = ib + db
                        let jj = js + ds
                        if jb < 0 || jb >= nb || jj < 0 || jj >= ns { continue }
                        if score[jb * ns + jj] < score[c] { isMin = false }
                    }
                }
                if isMin { minima.append(c) }
            }
        }
        minima.sort { score[$0] < score[$1] }
        var chosen = Array(minima.prefix(configuration.gridStarts))
        if chosen.count < configuration.gridStarts {
            let rest = (0..<(nb * ns)).filter { score[$0].isFinite && !chosen.contains($0) }
                .sorted { score[$0] < score[$1] }
            chosen += rest.prefix(configuration.gridStarts - chosen.count)
        }
        var starts: [[Double]] = []
        for c in chosen {
            var x = solutions[c]
            for k in 0..<7 { x[k] = Swift.min(Swift.max(x[k], lower[k]), upper[k]) }
            starts.append(x)
        }
        return (starts, nb * ns)
    }
}
