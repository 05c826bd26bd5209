/// Ordinary least squares by Householder QR with column pivoting (numerically stable; no normal equations).
///
/// Columns are scaled to unit norm before factorisation. The numerical rank is the number of diagonal entries of
/// `R` above `max(n, p) · ε · |R₀₀|` (LAPACK's `gelsy` rule). Fitted values are always unique and returned;
/// coefficients only when the design has full column rank.
public struct LinearLeastSquares: Sendable {
    /// Solution of one problem.
    public struct Solution: Sendable {
        /// Coefficients, or nil when the design is rank deficient (they are then not unique).
        public var coefficients: [Double]?
        /// Fitted values `C q̂` (unique even when the coefficients are not).
        public var fittedValues: [Double]
        /// Numerical rank of the design.
        public var rank: Int
        /// Residual sum of squares `Σ (yᵢ − ŷᵢ)²`.
        public var sumOfSquaredResiduals: Double
    }

    /// Errors for malformed input.
    public enum Failure: Error, Equatable, Sendable {
        /// `n` rows are fewer than `p` columns.
        case tooFewRows(rows: Int, columns: Int)
        /// A value is NaN or infinite.
        case nonFiniteInput
    }

    /// Solves `min ‖C q − y‖²`.
    ///
    /// - Parameters:
    ///   - columns: the design, one array per column, each of length n.
    ///   - y: the observations.
    /// - Throws: ``Failure``.
    public static func solve(columns: [[Double]], y: [Double]) throws(Failure) -> Solution {
        let p = columns.count
        let n = y.count
        guard n >= p, p > 0 else { throw .tooFewRows(rows: n, columns: p) }
        for c in columns { precondition(c.count == n) }
        guard y.allSatisfy(\.isFinite), columns.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw .nonFiniteInput
        }
        // Column-major copy, scaled to unit column norms.
        var a = [Double](repeating: 0, count: n * p)
        var colScale = [Double](repeating: 1, count: p)
        for j in 0..<p {
            var norm = 0.0
            for i in 0..<n { norm += columns[j][i] * columns[j][i] }
            norm = norm.squareRoot()
            colScale[j] = norm > 0 ? norm : 1
            for i in 0..<n { a[j * n + i] = columns[j][i] / colScale[j] }
        }
        var perm = Array(0..<p)
        var tau = [Double](repeating: 0, count: p)
        var colNorms = (0..<p).map { j in
            var s = 0.0
            for i in 0..<n { s += a[j * n + i] * a[j * n + i] }
            return s
        }
        for k in 0..<p {
            // Pivot: the remaining column of largest norm (recomputed exactly: p is tiny).
            var best = k
            for j in k..<p where colNorms[j] > colNorms[best] { best = j }
            if best != k {
                for i in 0..<n { a.swapAt(k * n + i, best * n + i) }
                perm.swapAt(k, best)
                colNorms.swapAt(k, best)
            }
            // Householder reflector for column k, rows k..<n.
            var norm = 0.0
            for i in k..<n { norm += a[k * n + i] * a[k * n + i] }
            norm = norm.squareRoot()
            if norm == 0 { tau[k] = 0; continue }
            let alpha = a[k * n + k] > 0 ? -norm : norm
            let v0 = a[k * n + k] - alpha
            a[k * n + k] = v0
            // v = a[k..<n, k]; H = I - 2 v vᵀ / (vᵀv)
            var vv = 0.0
            for i in k..<n { vv += a[k * n + i] * a[k * n + i] }
            tau[k] = vv > 0 ? 2 / vv : 0
            for j in (k + 1)..<max(k + 1, p) {
                var dot = 0.0
                for i in k..<n { dot += a[k * n + i] * a[j * n + i] }
                let f = tau[k] * dot
                for i in k..<n { a[j * n + i] -= f * a[k * n + i] }
            }
            // Store R's diagonal separately; keep v in the column.
            colNorms[k] = alpha
            for j in (k + 1)..<max(k + 1, p) {
                var s = 0.0
                for i in (k + 1)..<n { s += a[j * n + i] * a[j * n + i] }
                colNorms[j] = s
            }
        }
        let rDiag = colNorms  // R_kk = alpha_k
        let threshold = Double(max(n, p)) * Double.ulpOfOne * abs(rDiag[0])
        var rank = 0
        for k in 0..<p where abs(rDiag[k]) > threshold { rank = k + 1 }
        // Qᵀ y
        var qty = y
        for k in 0..<p where tau[k] != 0 {
            var dot = 0.0
            for i in k..<n { dot += a[k * n + i] * qty[i] }
            let f = tau[k] * dot
            for i in k..<n { qty[i] -= f * a[k * n + i] }
        }
        // Fitted values: Q [qty[0..<rank]; 0]
        var fitted = [Double](repeating: 0, count: n)
        for i in 0..<rank { fitted[i] = qty[i] }
        for k in stride(from: p - 1, through: 0, by: -1) where tau[k] != 0 {
            var dot = 0.0
            for i in k..<n { dot += a[k * n + i] * fitted[i] }
            let f = tau[k] * dot
            for i in k..<n { fitted[i] -= f * a[k * n + i] }
        }
        var sse = 0.0
        for i in 0..<n { sse += (y[i] - fitted[i]) * (y[i] - fitted[i]) }
        var coefficients: [Double]? = nil
        if rank == p {
            var z = [Double](repeating: 0, count: p)
            for k in stride(from: p - 1, through: 0, by: -1) {
                var s = qty[k]
                for j in (k + 1)..<p { s -= a[j * n + k] * z[j] }
                z[k] = s / rDiag[k]
            }
            var q = [Double](repeating: 0, count: p)
            for k in 0..<p { q[perm[k]] = z[k] / colScale[perm[k]] }
            coefficients = q
        }
        return Solution(coefficients: coefficients, fittedValues: fitted, rank: rank, sumOfSquaredResiduals: sse)
    }
}
