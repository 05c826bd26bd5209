import SaturnNumerics

/// The problem with `m ≥ 1` linear terms (a richer ``ModelFamily``): `x = [x₀ … x₆, x₇ … x₍₆₊ₘ₎]` and
///
///     T̂ᵢ = x₄ + (x₂ + x₃ S')/(a b) + x₅ B' + x₆ S' + Σⱼ x₍₇₊ⱼ₎ Xᵢⱼ'
///
/// The Jacobian row is the base one followed by `Xᵢⱼ'` (times `√wᵢ`); `JᵀJ` rows 0…3 are accumulated per row,
/// the linear rows 4…(6+m) restricted to the linear columns are the constant ``SaturationProblem/linearBlock``.
/// One pass over the rows, SIMD16 accumulators, no allocation.
extension SaturationProblem {
    /// `Σ wᵢ vᵢ vᵢᵀ` rows for the linear columns `v = [0, 0, 0, 0, 1, B', S', X'…]`, rows 4…(6+m).
    static func linearBlock(bn: [Double], sn: [Double], sw: [Double], extras: [Double], m: Int) -> [SIMD16<Double>] {
        var rows = [SIMD16<Double>](repeating: SIMD16<Double>(), count: 3 + m)
        for i in 0..<bn.count {
            let w2 = sw[i] * sw[i]
            var v = SIMD16<Double>()
            v[4] = 1
            v[5] = bn[i]
            v[6] = sn[i]
            for j in 0..<m { v[7 + j] = extras[i * m + j] }
            for k in 0..<(3 + m) { rows[k] += (w2 * v[4 + k]) * v }
        }
        return rows
    }

    func sumOfSquaresWithTerms(at x: UnsafeBufferPointer<Double>) -> Double {
        fillTables(x)
        let m = extraCount
        var sum = 0.0
        let x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6]
        extras.withUnsafeBufferPointer { e in
            withRows { r in
                for i in 0..<r.t.count {
                    let ab = r.aB[Int(r.indexB[i])] * r.aS[Int(r.indexS[i])]
                    let s = r.s[i]
                    var pred = x4 + (x2 + x3 * s) / ab + x5 * r.b[i] + x6 * s
                    for j in 0..<m { pred += x[7 + j] * e[i * m + j] }
                    let res = r.w[i] * (pred - r.t[i])
                    sum += res * res
                }
            }
        }
        return sum.isFinite ? sum : .infinity
    }

    func normalEquationsWithTerms(
        at x: UnsafeBufferPointer<Double>, jtj: UnsafeMutableBufferPointer<Double>,
        jtr: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        fillTables(x)
        let m = extraCount
        let n = 7 + m
        var r0 = SIMD16<Double>(), r1 = SIMD16<Double>(), r2 = SIMD16<Double>(), r3 = SIMD16<Double>()
        var g = SIMD16<Double>()
        var sum = 0.0
        let x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6]
        extras.withUnsafeBufferPointer { e in
            withRows { rows in
                for i in 0..<rows.t.count {
                    let b = rows.b[i]
                    let s = rows.s[i]
                    let w = rows.w[i]
                    let kb = Int(rows.indexB[i])
                    let ks = Int(rows.indexS[i])
                    let ab = rows.aB[kb]
                    let as_ = rows.aS[ks]
                    let u = 1 / (ab * as_)
                    let q = (x2 + x3 * s) * u
                    var pred = x4 + q + x5 * b + x6 * s
                    let qu = q * u
                    var v = SIMD16<Double>()
                    v[0] = -qu * as_ * b * rows.eB[kb]
                    v[1] = -qu * ab * s * rows.eS[ks]
                    v[2] = u
                    v[3] = s * u
                    v[4] = 1
                    v[5] = b
                    v[6] = s
                    for j in 0..<m {
                        let xe = e[i * m + j]
                        v[7 + j] = xe
                        pred += x[7 + j] * xe
                    }
                    let r = w * (pred - rows.t[i])
                    sum += r * r
                    let jrow = w * v
                    g += r * jrow
                    r0 += jrow[0] * jrow
                    r1 += jrow[1] * jrow
                    r2 += jrow[2] * jrow
                    r3 += jrow[3] * jrow
                }
            }
        }
        func top(_ k: Int) -> SIMD16<Double> { k == 0 ? r0 : k == 1 ? r1 : k == 2 ? r2 : r3 }
        for row in 0..<n {
            for c in 0..<n {
                if row < 4 {
                    jtj[row * n + c] = top(row)[c]
                } else if c < 4 {
                    jtj[row * n + c] = top(c)[row]
                } else {
                    jtj[row * n + c] = linearBlock[row - 4][c]
                }
            }
            jtr[row] = g[row]
        }
        return sum.isFinite ? sum : .infinity
    }
}
