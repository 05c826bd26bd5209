/// Roots of a continuous scalar function on a bracket where it changes sign.
///
/// ``brent(lower:upper:absoluteTolerance:relativeTolerance:maximumIterations:_:)`` is Brent's method in the form
/// SciPy's `brentq` runs it (`scipy/optimize/Zeros/brentq.c`): inverse quadratic interpolation or secant steps
/// when they shrink the bracket fast enough, bisection otherwise. It keeps a bracket `[x, x_blk]` on which `f`
/// changes sign, so it converges for every continuous `f`; it stops when half the bracket is below
/// `(xtol + rtol |x|) / 2` or `f(x) = 0`.
///
/// ```swift
/// let r = BracketedRoot.brent(lower: 1, upper: 2) { x in x * x - 2 }   // r.root ≈ 1.41421356237
/// ```
public enum BracketedRoot {
    /// A root and how it was found.
    public struct Result: Sendable, Hashable {
        /// The root estimate: within `xtol + rtol |root|` of a sign change of `f`.
        public var root: Double
        /// `f(root)`.
        public var value: Double
        /// Function evaluations, the two bracket ends included.
        public var evaluationCount: Int
        /// False when `maximumIterations` ran out before the tolerance was met (the estimate is still bracketed).
        public var isConverged: Bool

        /// Memberwise initialiser.
        @inlinable
        public init(root: Double, value: Double, evaluationCount: Int, isConverged: Bool) {
            self.root = root
            self.value = value
            self.evaluationCount = evaluationCount
            self.isConverged = isConverged
        }
    }

    /// SciPy's default absolute tolerance `xtol = 2e-12`.
    public static let defaultAbsoluteTolerance = 2e-12
    /// SciPy's default relative tolerance `rtol = 4 ε` (ε = 2.2e-16).
    public static let defaultRelativeTolerance = 4 * Double.ulpOfOne

    /// Brent's method on `[lower, upper]`.
    ///
    /// - Parameters:
    ///   - lower: One end of the bracket.
    ///   - upper: The other end; `f(lower)` and `f(upper)` must not have the same sign (either may be 0).
    ///   - absoluteTolerance: `xtol` (> 0).
    ///   - relativeTolerance: `rtol` (≥ 4 ε).
    ///   - maximumIterations: At most this many evaluations after the two ends.
    ///   - f: The function; continuous on the bracket.
    /// - Returns: The root, or nil when `f` has the same non-zero sign at both ends or is NaN at an end.
    @inlinable
    public static func brent(
        lower: Double, upper: Double, absoluteTolerance: Double = defaultAbsoluteTolerance,
        relativeTolerance: Double = defaultRelativeTolerance, maximumIterations: Int = 200,
        _ f: (Double) -> Double
    ) -> Result? {
        let fLower = f(lower)
        let fUpper = f(upper)
        return brent(
            lower: lower, fLower: fLower, upper: upper, fUpper: fUpper, absoluteTolerance: absoluteTolerance,
            relativeTolerance: relativeTolerance, maximumIterations: maximumIterations, f)
    }

    /// ``brent(lower:upper:absoluteTolerance:relativeTolerance:maximumIterations:_:)`` when `f` at the ends is
    /// already known (saves two evaluations; `evaluationCount` still counts them).
    @inlinable
    public static func brent(
        lower: Double, fLower: Double, upper: Double, fUpper: Double,
        absoluteTolerance: Double = defaultAbsoluteTolerance, relativeTolerance: Double = defaultRelativeTolerance,
        maximumIterations: Int = 200, _ f: (Double) -> Double
    ) -> Result? {
        var xPre = lower
        var xCur = upper
        var fPre = fLower
        var fCur = fUpper
        var evaluations = 2
        if fPre.isNaN || fCur.isNaN { return nil }
        if fPre == 0 { return Result(root: xPre, value: 0, evaluationCount: evaluations, isConverged: true) }
        if fCur == 0 { return Result(root: xCur, value: 0, evaluationCount: evaluations, isConverged: true) }
        if (fPre < 0) == (fCur < 0) { return nil }
        var xBlk = 0.0
        var fBlk = 0.0
        var sPre = 0.0
        var sCur = 0.0
        for _ in 0..<maximumIterations {
            if fPre != 0 && fCur != 0 && (fPre < 0) != (fCur < 0) {
                xBlk = xPre
                fBlk = fPre
                sPre = xCur - xPre
                sCur = sPre
            }
            if abs(fBlk) < abs(fCur) {
                xPre = xCur
                xCur = xBlk
                xBlk = xPre
                fPre = fCur
                fCur = fBlk
                fBlk = fPre
            }
            let delta = (absoluteTolerance + relativeTolerance * abs(xCur)) / 2
            let sBis = (xBlk - xCur) / 2
            if fCur == 0 || abs(sBis) < delta {
                return Result(root: xCur, value: fCur, evaluationCount: evaluations, isConverged: true)
            }
            if abs(sPre) > delta && abs(fCur) < abs(fPre) {
                let sTry: Double
                if xPre == xBlk {
                    sTry = -fCur * (xCur - xPre) / (fCur - fPre)  // secant
                } else {
                    let dPre = (fPre - fCur) / (xPre - xCur)
                    let dBlk = (fBlk - fCur) / (xBlk - xCur)
                    sTry = -fCur * (fBlk * dBlk - fPre * dPre) / (dBlk * dPre * (fBlk - fPre))  // inverse quadratic
                }
                if 2 * abs(sTry) < min(abs(sPre), 3 * abs(sBis) - delta) {
                    sPre = sCur
                    sCur = sTry
                } else {
                    sPre = sBis
                    sCur = sBis
                }
            } else {
                sPre = sBis
                sCur = sBis
            }
            xPre = xCur
            fPre = fCur
            xCur += abs(sCur) > delta ? sCur : (sBis > 0 ? delta : -delta)
            fCur = f(xCur)
            evaluations += 1
            if fCur.isNaN { return nil }
        }
        return Result(root: xCur, value: fCur, evaluationCount: evaluations, isConverged: false)
    }
}
