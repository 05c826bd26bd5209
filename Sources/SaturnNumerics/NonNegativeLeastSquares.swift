/// Lawson-Hanson non-negative least squares on the normal equations of a small problem.
///
/// Solves `min_q ‖C q − y‖²` subject to `q ≥ 0`, given only `G = CᵀC`, `h = Cᵀy` and `yᵀy`. Columns are scaled
/// to unit diagonal internally, so the tolerance is unit-free. Meant for a handful of parameters (≤ 8), for
/// example the five linear parameters of the latency model at a fixed `(k_B, k_S)`; the normal-equations form
/// squares the condition number, which is acceptable there because the result only seeds a local solve.
public struct NonNegativeLeastSquares: Sendable {
    /// Number of unknowns.
    public let count: Int
    private var scaled: [Double]
    private var rhs: [Double]
    private var passive: [Bool]
    private var z: [Double]
    private var work: [Double]
    private var workRHS: [Double]
    private var index: [Int]
    private var sc: [Double]
    /// The solution of the last ``solve(gram:moment:yy:)`` (original units).
    public private(set) var solution: [Double]

    /// Allocates the work space for `count` unknowns.
    public init(count: Int) {
        precondition(count > 0 && count <= 8)
        self.count = count
        scaled = [Double](repeating: 0, count: count * count)
        rhs = [Double](repeating: 0, count: count)
        passive = [Bool](repeating: false, count: count)
        z = [Double](repeating: 0, count: count)
        work = [Double](repeating: 0, count: count * count)
        workRHS = [Double](repeating: 0, count: count)
        index = [Int](repeating: 0, count: count)
        sc = [Double](repeating: 0, count: count)
        solution = [Double](repeating: 0, count: count)
    }

    /// Solves the problem and returns the residual sum of squares `‖C q − y‖²` (clamped at 0).
    ///
    /// - Parameters:
    ///   - gram: `CᵀC`, row-major `count × count`.
    ///   - moment: `Cᵀy`.
    ///   - yy: `yᵀy`.
    public mutating func solve(gram: UnsafeBufferPointer<Double>, moment: UnsafeBufferPointer<Double>, yy: Double)
        -> Double
    {
        let p = count
        // Column scaling to unit diagonal (a zero column stays at 0).
        do {
            for i in 0..<p {
                let d = gram[i * p + i]
                sc[i] = d > 0 ? 1 / d.squareRoot() : 0
            }
            for i in 0..<p {
                for j in 0..<p { scaled[i * p + j] = gram[i * p + j] * sc[i] * sc[j] }
                rhs[i] = moment[i] * sc[i]
                passive[i] = false
                solution[i] = 0
            }
            let tol = 1e-13
            var outer = 0
            while outer < 3 * p + 3 {
                outer += 1
                // Dual: w = h - G q.
                var best = -1
                var bestW = tol
                for j in 0..<p where !passive[j] && sc[j] > 0 {
                    var w = rhs[j]
                    for k in 0..<p { w -= scaled[j * p + k] * solution[k] }
                    if w > bestW { bestW = w; best = j }
                }
                if best < 0 { break }
                passive[best] = true
                var inner = 0
                while inner < 3 * p + 3 {
                    inner += 1
                    guard solvePassive() else { passive[best] = false; break }
                    var allPositive = true
                    for j in 0..<p where passive[j] && z[j] <= 0 { allPositive = false }
                    if allPositive {
                        for j in 0..<p { solution[j] = passive[j] ? z[j] : 0 }
                        break
                    }
                    var alpha = 1.0
                    for j in 0..<p where passive[j] && z[j] <= 0 {
                        let denom = solution[j] - z[j]
                        if denom > 0 { alpha = Swift.min(alpha, solution[j] / denom) }
                    }
                    for j in 0..<p {
                        let target = passive[j] ? z[j] : 0
                        solution[j] += alpha * (target - solution[j])
                        if passive[j] && solution[j] <= 1e-300 {
                            passive[j] = false
                            solution[j] = 0
                        }
                    }
                }
            }
            // Residual in scaled units equals the residual in original units.
            var qh = 0.0
            var qgq = 0.0
            for i in 0..<p {
                qh += solution[i] * rhs[i]
                var row = 0.0
                for j in 0..<p { row += scaled[i * p + j] * solution[j] }
                qgq += solution[i] * row
            }
            for i in 0..<p { solution[i] *= sc[i] }
            return Swift.max(yy - 2 * qh + qgq, 0)
        }
    }

    /// Solves the unconstrained problem restricted to the passive set into `z`.
    private mutating func solvePassive() -> Bool {
        let p = count
        var n = 0
        for j in 0..<p where passive[j] {
            index[n] = j
            n += 1
        }
        for r in 0..<n {
            for c in 0..<n { work[r * n + c] = scaled[index[r] * p + index[c]] }
            // A tiny ridge keeps nearly collinear columns solvable.
            work[r * n + r] += 1e-14
            workRHS[r] = rhs[index[r]]
        }
        let ok = work.withUnsafeMutableBufferPointer { w in
            workRHS.withUnsafeMutableBufferPointer { b in DenseSolve.choleskySolve(w, b, count: n) }
        }
        guard ok else { return false }
        for j in 0..<p { z[j] = 0 }
        for r in 0..<n { z[index[r]] = workRHS[r] }
        return true
    }
}
