/// A nonlinear least-squares problem seen through its normal equations.
///
/// The solver never needs the Jacobian itself, only `JᵀJ`, `Jᵀr` and the sum of squares, so a problem can fuse
/// residuals, analytic derivatives and their accumulation into one pass over its rows without storing an
/// `n × m` matrix. That keeps a fit on 10,000 rows allocation-free and cache-friendly.
///
/// Conventions: residuals `r(x)` (length n), cost `f(x) = Σ rᵢ²` (a sum of squares, not SciPy's `cost`, which is
/// half of it), Jacobian `J = ∂r/∂x` (n × m).
public protocol LeastSquaresProblem {
    /// Number of parameters m (at most ``BoundedLeastSquares/maximumParameterCount``).
    var parameterCount: Int { get }

    /// The sum of squared residuals at `x`, or `.infinity` where the residuals are not finite.
    func sumOfSquares(at x: UnsafeBufferPointer<Double>) -> Double

    /// Accumulates the normal equations at `x`.
    ///
    /// - Parameters:
    ///   - x: the parameters (length m).
    ///   - jtj: output, `JᵀJ` row-major (m × m); the full matrix must be written.
    ///   - jtr: output, `Jᵀr` (length m).
    /// - Returns: the sum of squared residuals at `x` (`.infinity` if not finite).
    func normalEquations(
        at x: UnsafeBufferPointer<Double>,
        jtj: UnsafeMutableBufferPointer<Double>,
        jtr: UnsafeMutableBufferPointer<Double>
    ) -> Double
}

/// Bounded Levenberg-Marquardt on the normal equations.
///
/// Each iteration solves `(JᵀJ + μ·diag(JᵀJ)) δ = -Jᵀr` over the parameters that are free (not held at a
/// bound by a gradient pointing outwards), projects `x + δ` onto the box `[lower, upper]` and accepts the step
/// when the actual reduction is a fair share of the reduction the linear model predicts for the *projected*
/// step (Nielsen's damping update). Marquardt's diagonal scaling makes it invariant to the units of each
/// parameter, as SciPy's `x_scale='jac'`.
///
/// Termination mirrors MINPACK/SciPy (`ftol`, `xtol`, `gtol`, evaluation budget); non-convergence is reported as
/// data in ``Result/termination``, never thrown.
///
/// ```swift
/// var solver = BoundedLeastSquares(lower: lo, upper: hi)
/// let result = solver.minimize(problem, from: x0)
/// ```
public struct BoundedLeastSquares: Sendable {
    /// Largest supported parameter count (the work arrays are sized once).
    public static let maximumParameterCount = 16

    /// Why the solver stopped (SciPy `status`).
    public enum Termination: String, Sendable, Codable, CaseIterable {
        /// The projected gradient fell below `gradientTolerance` (SciPy status 1).
        case gradientTolerance = "gradient_tolerance"
        /// The relative cost reduction fell below `functionTolerance` (status 2).
        case functionTolerance = "function_tolerance"
        /// The relative step fell below `stepTolerance` (status 3).
        case stepTolerance = "step_tolerance"
        /// The evaluation budget ran out (status 0).
        case maximumEvaluations = "maximum_evaluations"
        /// No step could reduce the cost even with very strong damping; the point is a local minimum to
        /// working precision.
        case noFurtherReduction = "no_further_reduction"
        /// The starting point gives a non-finite cost.
        case nonFiniteStart = "non_finite_start"

        /// True for the terminations that mean "converged" (SciPy `success`).
        public var isConverged: Bool {
            switch self {
            case .gradientTolerance, .functionTolerance, .stepTolerance, .noFurtherReduction: true
            case .maximumEvaluations, .nonFiniteStart: false
            }
        }
    }

    /// Outcome of one minimisation.
    public struct Result: Sendable {
        /// Final parameters (inside the bounds).
        public var parameters: [Double]
        /// Sum of squared residuals at ``parameters``.
        public var sumOfSquaredResiduals: Double
        /// Accepted iterations.
        public var iterations: Int
        /// Cost evaluations, including those inside normal-equation evaluations (SciPy `nfev`).
        public var evaluationCount: Int
        /// Normal-equation (Jacobian) evaluations (SciPy `njev`).
        public var jacobianEvaluationCount: Int
        /// Why it stopped.
        public var termination: Termination
        /// Per parameter: -1 at the lower bound, +1 at the upper bound, 0 free (SciPy `active_mask`).
        public var activeBounds: [Int]

        /// SciPy's `success`.
        public var isConverged: Bool { termination.isConverged }
    }

    /// Lower bounds (`-infinity` for none).
    public var lower: [Double]
    /// Upper bounds (`+infinity` for none).
    public var upper: [Double]
    /// Relative cost-reduction tolerance.
    public var functionTolerance: Double = 1e-12
    /// Relative step tolerance (in Marquardt-scaled units).
    public var stepTolerance: Double = 1e-12
    /// Projected-gradient tolerance, relative to the cost.
    public var gradientTolerance: Double = 1e-12
    /// Evaluation budget (cost plus normal-equation evaluations).
    public var maximumEvaluations: Int = 400

    /// Creates a solver for a box.
    ///
    /// - Precondition: `lower.count == upper.count <= maximumParameterCount` and `lower[i] <= upper[i]`.
    public init(lower: [Double], upper: [Double]) {
        precondition(lower.count == upper.count && lower.count <= Self.maximumParameterCount)
        for i in lower.indices { precondition(!(lower[i] > upper[i]), "empty box at parameter \(i)") }
        self.lower = lower
        self.upper = upper
    }

    /// Projects `x` onto the box.
    public func clamp(_ x: inout [Double]) {
        for i in x.indices { x[i] = Swift.min(Swift.max(x[i], lower[i]), upper[i]) }
    }

    /// Minimises `problem` starting from `start` (projected onto the box first).
    public func minimize(_ problem: some LeastSquaresProblem, from start: [Double]) -> Result {
        let m = problem.parameterCount
        precondition(m == lower.count && start.count == m)
        var x = start
        clamp(&x)
        // All work arrays are allocated once per call; the iteration loop allocates nothing.
        var a = [Double](repeating: 0, count: m * m)
        var g = [Double](repeating: 0, count: m)
        var trial = [Double](repeating: 0, count: m)
        var step = [Double](repeating: 0, count: m)
        var diag = [Double](repeating: 0, count: m)
        var scale = [Double](repeating: 0, count: m)
        var system = [Double](repeating: 0, count: m * m)
        var rhs = [Double](repeating: 0, count: m)
        var free = [Int](repeating: 0, count: m)

        var nfev = 0
        var njev = 0
        var iterations = 0
        var mu = 1e-3
        var nu = 2.0
        var termination = Termination.maximumEvaluations

        var f = x.withUnsafeBufferPointer { xp in
            a.withUnsafeMutableBufferPointer { ap in
                g.withUnsafeMutableBufferPointer { gp in problem.normalEquations(at: xp, jtj: ap, jtr: gp) }
            }
        }
        nfev += 1
        njev += 1
        guard f.isFinite else {
            return Result(
                parameters: x, sumOfSquaredResiduals: f, iterations: 0, evaluationCount: nfev,
                jacobianEvaluationCount: njev, termination: .nonFiniteStart, activeBounds: activeMask(x))
        }

        outer: while nfev < maximumEvaluations {
            // Marquardt scaling, kept monotone as in MINPACK so that it cannot collapse.
            for i in 0..<m { scale[i] = Swift.max(scale[i], a[i * m + i].squareRoot()) }
            var maxScale = 0.0
            for i in 0..<m { maxScale = Swift.max(maxScale, scale[i]) }
            let floorScale = Swift.max(maxScale * 1e-12, Double.leastNormalMagnitude)

            // Free set: variables not pinned at a bound by an outward gradient.
            var nFree = 0
            var projectedGradient = 0.0
            for i in 0..<m {
                let atLower = x[i] <= lower[i] && g[i] > 0
                let atUpper = x[i] >= upper[i] && g[i] < 0
                if !(atLower || atUpper) {
                    free[nFree] = i
                    nFree += 1
                    let s = Swift.max(scale[i], floorScale)
                    projectedGradient = Swift.max(projectedGradient, abs(g[i]) / s)
                }
            }
            // gtol: the scaled projected gradient against the residual norm.
            if nFree == 0 || projectedGradient <= gradientTolerance * Swift.max(f.squareRoot(), 1e-300) {
                termination = .gradientTolerance
                break
            }
            for k in 0..<nFree {
                let i = free[k]
                let d = Swift.max(a[i * m + i], floorScale * floorScale)
                diag[k] = d
            }

            // Inner loop: raise the damping until a step is accepted.
            while true {
                for r in 0..<nFree {
                    let i = free[r]
                    for c in 0..<nFree { system[r * nFree + c] = a[i * m + free[c]] }
                    system[r * nFree + r] += mu * diag[r]
                    rhs[r] = -g[i]
                }
                let solved = system.withUnsafeMutableBufferPointer { sp in
                    rhs.withUnsafeMutableBufferPointer { rp in DenseSolve.choleskySolve(sp, rp, count: nFree) }
                }
                if !solved {
                    mu *= nu
                    nu *= 2
                    if mu > 1e32 { termination = .noFurtherReduction; break outer }
                    continue
                }
                for i in 0..<m { trial[i] = x[i] }
                for k in 0..<nFree {
                    let i = free[k]
                    trial[i] = Swift.min(Swift.max(x[i] + rhs[k], lower[i]), upper[i])
                }
                var stepNorm = 0.0
                var xNorm = 0.0
                for i in 0..<m {
                    step[i] = trial[i] - x[i]
                    let s = Swift.max(scale[i], floorScale)
                    stepNorm += (step[i] * s) * (step[i] * s)
                    xNorm += (x[i] * s) * (x[i] * s)
                }
                stepNorm = stepNorm.squareRoot()
                xNorm = xNorm.squareRoot()
                // Predicted reduction of the Gauss-Newton model for the projected step.
                var gs = 0.0
                var sAs = 0.0
                for i in 0..<m {
                    gs += g[i] * step[i]
                    var row = 0.0
                    for j in 0..<m { row += a[i * m + j] * step[j] }
                    sAs += step[i] * row
                }
                let predicted = -(2 * gs + sAs)
                if stepNorm <= stepTolerance * (xNorm + stepTolerance) {
                    termination = .stepTolerance
                    break outer
                }
                let ft = trial.withUnsafeBufferPointer { problem.sumOfSquares(at: $0) }
                nfev += 1
                let actual = f - ft
                let rho = predicted > 0 ? actual / predicted : (actual > 0 ? 1 : -1)
                if ft.isFinite && actual > 0 && rho > 1e-4 {
                    swap(&x, &trial)
                    iterations += 1
                    let t = 2 * rho - 1
                    mu *= Swift.max(1.0 / 3.0, 1 - t * t * t)
                    nu = 2
                    let converged = actual <= functionTolerance * f && predicted <= functionTolerance * f
                    f = x.withUnsafeBufferPointer { xp in
                        a.withUnsafeMutableBufferPointer { ap in
                            g.withUnsafeMutableBufferPointer { gp in problem.normalEquations(at: xp, jtj: ap, jtr: gp) }
                        }
                    }
                    nfev += 1
                    njev += 1
                    if converged { termination = .functionTolerance; break outer }
                    if stepNorm <= stepTolerance * (xNorm + stepTolerance) {
                        termination = .stepTolerance
                        break outer
                    }
                    break
                }
                if ft.isFinite && abs(actual) <= functionTolerance * f && predicted <= functionTolerance * f {
                    termination = .functionTolerance
                    break outer
                }
                mu *= nu
                nu *= 2
                if mu > 1e32 { termination = .noFurtherReduction; break outer }
                if nfev >= maximumEvaluations { termination = .maximumEvaluations; break outer }
            }
        }
        return Result(
            parameters: x, sumOfSquaredResiduals: f, iterations: iterations, evaluationCount: nfev,
            jacobianEvaluationCount: njev, termination: termination, activeBounds: activeMask(x))
    }

    private func activeMask(_ x: [Double]) -> [Int] {
        x.indices.map { i in x[i] <= lower[i] ? -1 : (x[i] >= upper[i] ? 1 : 0) }
    }
}
