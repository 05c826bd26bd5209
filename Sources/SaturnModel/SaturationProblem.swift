import RealModule
import SaturnNumerics

/// `(1 − e^(−x), e^(−x))` for `x ≥ 0` with one transcendental call and full relative accuracy in both.
@inline(__always)
func saturation(_ x: Double) -> (a: Double, e: Double) {
    if x > 0.5 {
        let e = Double.exp(-x)
        return (1 - e, e)
    }
    let a = -Double.expMinusOne(-x)
    return (a, 1 - a)
}

/// Distinct values of one column and, per row, the index of its value: `exp` is then evaluated once per
/// distinct value instead of once per row (telemetry has few distinct batch sizes and token counts).
struct DistinctColumn: Sendable {
    let values: [Double]
    let index: [Int32]

    init(_ column: [Double]) {
        var map: [Double: Int32] = [:]
        var values: [Double] = []
        var index = [Int32](repeating: 0, count: column.count)
        for (i, v) in column.enumerated() {
            if let k = map[v] {
                index[i] = k
            } else {
                let k = Int32(values.count)
                map[v] = k
                values.append(v)
                index[i] = k
            }
        }
        self.values = values
        self.index = index
    }
}

/// Per-evaluation scratch: `(1 − e^(−x·v), e^(−x·v))` for every distinct value. Owned by one problem, used by one
/// solver on one thread.
final class SaturationTables {
    var aB: [Double]
    var eB: [Double]
    var aS: [Double]
    var eS: [Double]

    init(batch: Int, tokens: Int) {
        aB = [Double](repeating: 0, count: batch)
        eB = aB
        aS = [Double](repeating: 0, count: tokens)
        eS = aS
    }
}

/// The latency model as a 7-parameter least-squares problem in normalised, identifiable form.
///
/// Parameters `x = [k_B·m_B, k_S·m_S, w₀/P, (w₁/P)·m_S, τ₀, τ_B·m_B, τ_S·m_S]` with `B' = B/m_B`, `S' = S/m_S`
/// (medians of the rows), so `T = τ₀ + (x₂ + x₃ S')/(a b) + x₅ B' + x₆ S'` with `a = 1 − e^(−x₀ B')`,
/// `b = 1 − e^(−x₁ S')`. Residual row i is `√wᵢ (T̂ᵢ − Tᵢ)`; an optional penalty adds
/// `√λ (θⱼ(x) − baseⱼ)` for the seven raw parameters other than the held `P_max`.
///
/// With ``ModelTerm``s (a richer ``ModelFamily``) the problem has `7 + m` parameters: `x₇…` are the terms'
/// coefficients times the normalisation of their columns, `T += Σⱼ x₍₇₊ⱼ₎ Xⱼ'` (see `SaturationProblem+Terms`);
/// the penalty is then not available.
///
/// Not `Sendable`: its scratch tables are mutated during evaluation (one problem per solve, one thread).
struct SaturationProblem: LeastSquaresProblem {
    let bn: [Double]
    let sn: [Double]
    let t: [Double]
    /// Square roots of the row weights.
    let sw: [Double]
    /// `√λ`, or 0 without a penalty.
    let sqrtLambda: Double
    /// `θ_raw = scale ⊙ x` for the penalised parameters.
    let penaltyScale: SIMD8<Double>
    /// Raw base values in `x` order (entry 7 unused).
    let penaltyBase: SIMD8<Double>
    let distinctB: DistinctColumn
    let distinctS: DistinctColumn
    let tables: SaturationTables
    /// `JᵀJ` rows 4…6 restricted to columns 4…6 (the τ block: `Σw²·[1, B', S'] ⊗ [1, B', S']`), which does not
    /// depend on the parameters and is computed once.
    let tauBlock: (SIMD8<Double>, SIMD8<Double>, SIMD8<Double>)
    /// Normalised term columns, row-major (`extras[i·m + j]` = term `j` of row `i`); empty for the base family.
    let extras: [Double]
    /// `m`, the number of terms (0 for the base family, at most 9).
    let extraCount: Int
    /// With terms: `JᵀJ` rows 4…(6+m), which do not depend on the parameters (linear columns `[1, B', S', X']`).
    let linearBlock: [SIMD16<Double>]

    init(
        bn: [Double], sn: [Double], t: [Double], sw: [Double], sqrtLambda: Double, penaltyScale: SIMD8<Double>,
        penaltyBase: SIMD8<Double>, extras: [Double] = [], extraCount: Int = 0
    ) {
        precondition(extraCount >= 0 && extraCount <= 9 && extras.count == extraCount * t.count)
        precondition(extraCount == 0 || sqrtLambda == 0, "the penalty is defined for the base family only")
        self.extras = extras
        self.extraCount = extraCount
        self.bn = bn
        self.sn = sn
        self.t = t
        self.sw = sw
        self.sqrtLambda = sqrtLambda
        self.penaltyScale = penaltyScale
        self.penaltyBase = penaltyBase
        distinctB = DistinctColumn(bn)
        distinctS = DistinctColumn(sn)
        tables = SaturationTables(batch: distinctB.values.count, tokens: distinctS.values.count)
        var t4 = SIMD8<Double>(), t5 = SIMD8<Double>(), t6 = SIMD8<Double>()
        for i in 0..<t.count {
            let w2 = sw[i] * sw[i]
            let v = SIMD8<Double>(0, 0, 0, 0, 1, bn[i], sn[i], 0)
            t4 += w2 * v
            t5 += (w2 * bn[i]) * v
            t6 += (w2 * sn[i]) * v
        }
        tauBlock = (t4, t5, t6)
        linearBlock = extraCount == 0 ? [] : Self.linearBlock(bn: bn, sn: sn, sw: sw, extras: extras, m: extraCount)
    }

    /// The same problem on a subset of rows (for cheap exploration).
    func subset(_ rows: [Int]) -> SaturationProblem {
        let m = extraCount
        return SaturationProblem(
            bn: rows.map { bn[$0] }, sn: rows.map { sn[$0] }, t: rows.map { t[$0] }, sw: rows.map { sw[$0] },
            sqrtLambda: sqrtLambda, penaltyScale: penaltyScale, penaltyBase: penaltyBase,
            extras: rows.flatMap { i in (0..<m).map { extras[i * m + $0] } }, extraCount: m)
    }

    var parameterCount: Int { 7 + extraCount }

    func fillTables(_ x: UnsafeBufferPointer<Double>) {
        let kb = x[0]
        let ks = x[1]
        for (k, v) in distinctB.values.enumerated() {
            let (a, e) = saturation(kb * v)
            tables.aB[k] = a
            tables.eB[k] = e
        }
        for (k, v) in distinctS.values.enumerated() {
            let (a, e) = saturation(ks * v)
            tables.aS[k] = a
            tables.eS[k] = e
        }
    }

    private func penaltyResiduals(_ x: UnsafeBufferPointer<Double>) -> SIMD8<Double> {
        var v = SIMD8<Double>()
        for j in 0..<7 { v[j] = x[j] }
        let r = sqrtLambda * (penaltyScale * v - penaltyBase)
        var masked = r
        masked[7] = 0
        return masked
    }

    /// Raw views of the row columns and the saturation tables, valid inside `body` only.
    struct Rows {
        var b, s, t, w: UnsafeBufferPointer<Double>
        var indexB, indexS: UnsafeBufferPointer<Int32>
        var aB, aS, eB, eS: UnsafeBufferPointer<Double>
    }

    func withRows<R>(_ body: (Rows) -> R) -> R {
        bn.withUnsafeBufferPointer { b in
            sn.withUnsafeBufferPointer { s in
                t.withUnsafeBufferPointer { t in
                    sw.withUnsafeBufferPointer { w in
                        distinctB.index.withUnsafeBufferPointer { ib in
                            distinctS.index.withUnsafeBufferPointer { isx in
                                tables.aB.withUnsafeBufferPointer { aB in
                                    tables.aS.withUnsafeBufferPointer { aS in
                                        tables.eB.withUnsafeBufferPointer { eB in
                                            tables.eS.withUnsafeBufferPointer { eS in
                                                body(Rows(b: b, s: s, t: t, w: w, indexB: ib, indexS: isx,
                                                          aB: aB, aS: aS, eB: eB, eS: eS))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func sumOfSquares(at x: UnsafeBufferPointer<Double>) -> Double {
        if extraCount > 0 { return sumOfSquaresWithTerms(at: x) }
        fillTables(x)
        var sum = 0.0
        let x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6]
        withRows { r in
            for i in 0..<r.t.count {
                let ab = r.aB[Int(r.indexB[i])] * r.aS[Int(r.indexS[i])]
                let s = r.s[i]
                let pred = x4 + (x2 + x3 * s) / ab + x5 * r.b[i] + x6 * s
                let res = r.w[i] * (pred - r.t[i])
                sum += res * res
            }
        }
        if sqrtLambda > 0 {
            let p = penaltyResiduals(x)
            sum += (p * p).sum()
        }
        return sum.isFinite ? sum : .infinity
    }

    func normalEquations(
        at x: UnsafeBufferPointer<Double>, jtj: UnsafeMutableBufferPointer<Double>,
        jtr: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        if extraCount > 0 { return normalEquationsWithTerms(at: x, jtj: jtj, jtr: jtr) }
        fillTables(x)
        // Rows 0…3 of JᵀJ are accumulated; rows 4…6 follow by symmetry plus the constant τ block.
        var r0 = SIMD8<Double>(), r1 = SIMD8<Double>(), r2 = SIMD8<Double>(), r3 = SIMD8<Double>()
        var g = SIMD8<Double>()
        var sum = 0.0
        let x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6]
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
                let work = x2 + x3 * s
                let q = work * u
                let r = w * (x4 + q + x5 * b + x6 * s - rows.t[i])
                sum += r * r
                // ∂/∂x₀ = −q b e_B / a_B = −work u² a_S b e_B (no division).
                let qu = q * u
                let j = w * SIMD8<Double>(-qu * as_ * b * rows.eB[kb], -qu * ab * s * rows.eS[ks], u, s * u, 1, b, s, 0)
                g += r * j
                r0 += j[0] * j
                r1 += j[1] * j
                r2 += j[2] * j
                r3 += j[3] * j
            }
        }
        var r4 = tauBlock.0
        var r5 = tauBlock.1
        var r6 = tauBlock.2
        r4[0] = r0[4]; r4[1] = r1[4]; r4[2] = r2[4]; r4[3] = r3[4]
        r5[0] = r0[5]; r5[1] = r1[5]; r5[2] = r2[5]; r5[3] = r3[5]
        r6[0] = r0[6]; r6[1] = r1[6]; r6[2] = r2[6]; r6[3] = r3[6]
        if sqrtLambda > 0 {
            let p = penaltyResiduals(x)
            sum += (p * p).sum()
            let d = sqrtLambda * penaltyScale
            g += p * d
            r0[0] += d[0] * d[0]
            r1[1] += d[1] * d[1]
            r2[2] += d[2] * d[2]
            r3[3] += d[3] * d[3]
            r4[4] += d[4] * d[4]
            r5[5] += d[5] * d[5]
            r6[6] += d[6] * d[6]
        }
        func store(_ v: SIMD8<Double>, _ row: Int) {
            for c in 0..<7 { jtj[row * 7 + c] = v[c] }
            jtr[row] = g[row]
        }
        store(r0, 0)
        store(r1, 1)
        store(r2, 2)
        store(r3, 3)
        store(r4, 4)
        store(r5, 5)
        store(r6, 6)
        return sum.isFinite ? sum : .infinity
    }
}
