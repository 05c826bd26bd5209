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

/// The latency model as a 7-parameter least-squares problem in normalised, identifiable form.
///
/// Parameters `x = [k_B·m_B, k_S·m_S, w₀/P, (w₁/P)·m_S, τ₀, τ_B·m_B, τ_S·m_S]` with `B' = B/m_B`, `S' = S/m_S`
/// (medians of the rows), so `T = τ₀ + (x₂ + x₃ S')/(a b) + x₅ B' + x₆ S'` with `a = 1 − e^(−x₀ B')`,
/// `b = 1 − e^(−x₁ S')`. Residual row i is `√wᵢ (T̂ᵢ − Tᵢ)`; an optional penalty adds
/// `√λ (θⱼ(x) − baseⱼ)` for the seven raw parameters other than the held `P_max`.
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

    var parameterCount: Int { 7 }

    private func penaltyResiduals(_ x: UnsafeBufferPointer<Double>) -> SIMD8<Double> {
        var v = SIMD8<Double>()
        for j in 0..<7 { v[j] = x[j] }
        let r = sqrtLambda * (penaltyScale * v - penaltyBase)
        var masked = r
        masked[7] = 0
        return masked
    }

    func sumOfSquares(at x: UnsafeBufferPointer<Double>) -> Double {
        var sum = 0.0
        bn.withUnsafeBufferPointer { bp in
            sn.withUnsafeBufferPointer { sp in
                t.withUnsafeBufferPointer { tp in
                    sw.withUnsafeBufferPointer { wp in
                        for i in 0..<tp.count {
                            let (ab, _) = saturation(x[0] * bp[i])
                            let (as_, _) = saturation(x[1] * sp[i])
                            let pred = x[4] + (x[2] + x[3] * sp[i]) / (ab * as_) + x[5] * bp[i] + x[6] * sp[i]
                            let r = wp[i] * (pred - tp[i])
                            sum += r * r
                        }
                    }
                }
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
        var r0 = SIMD8<Double>(), r1 = SIMD8<Double>(), r2 = SIMD8<Double>(), r3 = SIMD8<Double>()
        var r4 = SIMD8<Double>(), r5 = SIMD8<Double>(), r6 = SIMD8<Double>()
        var g = SIMD8<Double>()
        var sum = 0.0
        let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6]
        bn.withUnsafeBufferPointer { bp in
            sn.withUnsafeBufferPointer { sp in
                t.withUnsafeBufferPointer { tp in
                    sw.withUnsafeBufferPointer { wp in
                        for i in 0..<tp.count {
                            let b = bp[i]
                            let s = sp[i]
                            let w = wp[i]
                            let (ab, eb) = saturation(x0 * b)
                            let (as_, es) = saturation(x1 * s)
                            let u = 1 / (ab * as_)
                            let work = x2 + x3 * s
                            let q = work * u
                            let r = w * (x4 + q + x5 * b + x6 * s - tp[i])
                            sum += r * r
                            let j = w * SIMD8<Double>(
                                -q * b * eb / ab, -q * s * es / as_, u, s * u, 1, b, s, 0)
                            g += r * j
                            r0 += j[0] * j
                            r1 += j[1] * j
                            r2 += j[2] * j
                            r3 += j[3] * j
                            r4 += j[4] * j
                            r5 += j[5] * j
                            r6 += j[6] * j
                        }
                    }
                }
            }
        }
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
