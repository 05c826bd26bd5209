import RealModule

/// The exact distribution of the one-sample two-sided Kolmogorov-Smirnov statistic `D_n` (SciPy `kstwo`).
///
/// A port of SciPy's `_kolmogn` (Simard & L'Ecuyer 2011 choice of method): Ruben-Gambino closed forms at the
/// ends, the Durbin matrix algorithm as organised by Marsaglia-Tsang-Wang, the Pomeranz recursion, the Pelz-Good
/// asymptotic series, and `2·smirnov(n, x)` (Birnbaum-Tingey sum) where the two one-sided events cannot both
/// occur. The two-sample test's `asymp` p-value is `survival(d, n: round_half_even(n1 n2 / (n1 + n2)))`.
///
/// Agreement with SciPy 1.17: relative 1e-9 or better on the golden cases (the Birnbaum-Tingey sum is done in
/// log space here, in double-double arithmetic there).
public enum KolmogorovDistribution {
    /// `P(D_n ≥ x)`.
    public static func survival(_ x: Double, n: Int) -> Double { kolmogn(n: n, x: x, cdf: false) }

    /// `P(D_n ≤ x)`.
    public static func cdf(_ x: Double, n: Int) -> Double { kolmogn(n: n, x: x, cdf: true) }

    private static func select(_ cdfProb: Double, _ sfProb: Double, _ cdf: Bool) -> Double {
        clip(cdf ? cdfProb : sfProb)
    }

    private static func clip(_ p: Double) -> Double { Swift.min(Swift.max(p, 0), 1) }

    static func kolmogn(n: Int, x: Double, cdf: Bool) -> Double {
        guard n > 0, !x.isNaN else { return .nan }
        if x >= 1 { return select(1, 0, cdf) }
        if x <= 0 { return select(0, 1, cdf) }
        let nd = Double(n)
        let t = nd * x
        if t <= 1 {
            if t <= 0.5 { return select(0, 1, cdf) }
            let prob: Double
            if n <= 140 {
                var p = 1.0
                for i in 1...n { p *= Double(i) * (1.0 / nd) * (2 * t - 1) }
                prob = p
            } else {
                prob = Double.exp(logFactorialOverPower(n) + nd * Double.log(2 * t - 1))
            }
            return select(prob, 1 - prob, cdf)
        }
        if t >= nd - 1 {
            let prob = 2 * Double.pow(1 - x, Double(n))
            return select(1 - prob, prob, cdf)
        }
        if x >= 0.5 {
            let prob = 2 * Smirnov.survival(n: n, x: x)
            return select(1 - prob, prob, cdf)
        }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 {
                let prob = durbinMTW(n: n, d: x)
                return select(prob, 1 - prob, cdf)
            }
            if nxSquared <= 4 {
                let prob = pomeranz(n: n, x: x)
                return select(prob, 1 - prob, cdf)
            }
            let prob = 2 * Smirnov.survival(n: n, x: x)
            return select(1 - prob, prob, cdf)
        }
        if !cdf {
            if nxSquared >= 370 { return 0 }
            if nxSquared >= 2.2 { return clip(2 * Smirnov.survival(n: n, x: x)) }
        }
        let cdfProb: Double
        if nxSquared >= 18 {
            cdfProb = 1
        } else if n <= 100_000 && nd * Double.pow(x, 1.5) <= 1.4 {
            cdfProb = durbinMTW(n: n, d: x)
        } else {
            cdfProb = pelzGood(n: n, x: x)
        }
        return select(cdfProb, 1 - cdfProb, cdf)
    }

    /// `log(n! / nⁿ)` by Stirling's series with `n log n` removed up front.
    static func logFactorialOverPower(_ n: Int) -> Double {
        let coefficients: [Double] = [
            -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
            8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
            -2.7777777777777777778e-3, 8.3333333333333333333e-2,
        ]
        let nd = Double(n)
        let rn = 1 / nd
        var poly = 0.0
        for c in coefficients { poly = poly * (rn / nd) + c }
        return Double.log(nd) / 2 - nd + Double.log(2 * Double.pi) / 2 + rn * poly
    }

    /// Durbin's matrix algorithm (Marsaglia, Tsang, Wang 2003): `P(D_n ≤ d)`.
    static func durbinMTW(n: Int, d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var hm = [Double](repeating: 0, count: m * m)
        var v = [Double](repeating: 0, count: m)
        var w = [Double](repeating: 0, count: m)
        var fac = 1.0
        for j in 1...m {
            v[j - 1] = 1 - Double.pow(h, Double(j))
            w[j - 1] = fac
            fac /= Double(j)
            v[j - 1] *= fac
        }
        let tt = Double.pow(Swift.max(2 * h - 1, 0), Double(m)) - 2 * Double.pow(h, Double(m))
        v[m - 1] = (1 + tt) * fac
        for i in 1..<max(m, 1) {
            for r in (i - 1)..<m { hm[r * m + i] = w[r - (i - 1)] }
        }
        for r in 0..<m { hm[r * m + 0] = v[r] }
        for c in 0..<m { hm[(m - 1) * m + c] = v[m - 1 - c] }

        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var tmp = [Double](repeating: 0, count: m * m)
        func multiply(_ a: [Double], _ b: [Double], into out: inout [Double]) {
            for i in 0..<m {
                for j in 0..<m {
                    var s = 0.0
                    for l in 0..<m { s += a[i * m + l] * b[l * m + j] }
                    out[i * m + j] = s
                }
            }
        }
        let ep128 = Double.pow(2, 128)
        var nn = n
        var expnt = 0
        var hExpnt = 0
        while nn > 0 {
            if nn % 2 == 1 {
                multiply(power, hm, into: &tmp)
                swap(&power, &tmp)
                expnt += hExpnt
            }
            multiply(hm, hm, into: &tmp)
            swap(&hm, &tmp)
            hExpnt *= 2
            if abs(hm[(k - 1) * m + (k - 1)]) > ep128 {
                for i in 0..<(m * m) { hm[i] /= ep128 }
                hExpnt += 128
            }
            nn /= 2
        }
        var p = power[(k - 1) * m + (k - 1)]
        let em128 = Double.pow(2, -128)
        for i in 1...n {
            p = Double(i) * p / Double(n)
            if abs(p) < em128 {
                p *= ep128
                expnt -= 128
            }
        }
        if expnt != 0 { p = Double(sign: .plus, exponent: expnt, significand: p) }
        return clip(p)
    }

    private static func pomeranzBounds(_ i: Int, n: Int, ll: Int, ceilf: Int, roundf: Int) -> (Int, Int) {
        var j1: Int
        var j2: Int
        if i == 0 {
            j1 = -ll - ceilf - 1
            j2 = ll + ceilf - 1
        } else {
            let ip1div2 = (i + 1) / 2
            let ip1mod2 = (i + 1) % 2
            if ip1mod2 == 0 {
                if ip1div2 == n + 1 {
                    j1 = n - ll - ceilf - 1
                    j2 = n + ll + ceilf - 1
                } else {
                    j1 = ip1div2 - 1 - ll - roundf - 1
                    j2 = ip1div2 + ll - 1 + ceilf - 1
                }
            } else {
                j1 = ip1div2 - 1 - ll - 1
                j2 = ip1div2 + ll + roundf - 1
            }
        }
        return (Swift.max(j1 + 2, 0), Swift.min(j2, n))
    }

    /// The Pomeranz (1974) recursion: `P(D_n ≤ x)`.
    static func pomeranz(n: Int, x: Double) -> Double {
        let nd = Double(n)
        let t = nd * x
        let ll = Int(t.rounded(.down))
        let f = t - Double(ll)
        let g = Swift.min(f, 1 - f)
        let ceilf = f > 0 ? 1 : 0
        let roundf = f > 0.5 ? 1 : 0
        let npwrs = 2 * (ll + 1)
        var gpower = [Double](repeating: 0, count: npwrs)
        var twogpower = [Double](repeating: 0, count: npwrs)
        var onem2gpower = [Double](repeating: 0, count: npwrs)
        gpower[0] = 1
        twogpower[0] = 1
        onem2gpower[0] = 1
        var expnt = 0
        let gOverN = g / nd
        let twoGOverN = 2 * g / nd
        let oneMinusTwoGOverN = (1 - 2 * g) / nd
        for m in 1..<npwrs {
            gpower[m] = gpower[m - 1] * gOverN / Double(m)
            twogpower[m] = twogpower[m - 1] * twoGOverN / Double(m)
            onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / Double(m)
        }
        var v0 = [Double](repeating: 0, count: npwrs)
        var v1 = [Double](repeating: 0, count: npwrs)
        v1[0] = 1
        var v0s = 0
        var v1s = 0
        var (j1, j2) = pomeranzBounds(0, n: n, ll: ll, ceilf: ceilf, roundf: roundf)
        let em128 = Double.pow(2, -128)
        let ep128 = Double.pow(2, 128)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&v0, &v1)
            swap(&v0s, &v1s)
            for q in 0..<npwrs { v1[q] = 0 }
            (j1, j2) = pomeranzBounds(i, n: n, ll: ll, ceilf: ceilf, roundf: roundf)
            let pwrs: [Double]
            if i == 1 || i == 2 * n + 1 {
                pwrs = gpower
            } else {
                pwrs = i % 2 == 1 ? twogpower : onem2gpower
            }
            let ln2 = j2 - k1 + 1
            if ln2 > 0 {
                let convStart = j1 - k1
                let convLen = j2 - j1 + 1
                let base = k1 - v0s
                // conv[q] = Σ_a V0[base + a] · pwrs[q − a], for q in convStart ..< convStart + convLen.
                var maxV = 0.0
                for outIndex in 0..<Swift.max(convLen, 0) {
                    let q = convStart + outIndex
                    var s = 0.0
                    let lo = Swift.max(0, q - (ln2 - 1))
                    let hi = Swift.min(q, ln2 - 1)
                    if lo <= hi {
                        for a in lo...hi where base + a < npwrs { s += v0[base + a] * pwrs[q - a] }
                    }
                    v1[outIndex] = s
                    maxV = Swift.max(maxV, s)
                }
                if maxV > 0 && maxV < em128 {
                    for q in 0..<npwrs { v1[q] *= ep128 }
                    expnt -= 128
                }
                v1s = v0s + j1 - k1
            }
        }
        var ans = v1[n - v1s]
        for m in 1...n {
            if abs(ans) > ep128 {
                ans *= em128
                expnt += 128
            }
            ans *= Double(m)
        }
        if expnt != 0 { ans = Double(sign: .plus, exponent: expnt, significand: ans) }
        return clip(ans)
    }

    /// The Pelz-Good (1976) approximation to `P(D_n ≤ x)`.
    static func pelzGood(n: Int, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let nd = Double(n)
        let z = nd.squareRoot() * x
        let z2 = z * z
        let z3 = z2 * z
        let z4 = z2 * z2
        let z6 = z4 * z2
        let pi2 = Double.pi * Double.pi
        let pi4 = pi2 * pi2
        let pi6 = pi4 * pi2
        let qlog = -pi2 / 8 / z2
        if qlog < -708 { return 0 }
        var q = Double.exp(qlog)
        let k1a = -z2
        let k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4
        let k2b = (2 * z4 - 5 * z2) * pi2 / 4
        let k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64
        let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * Double.pow(z, 8)
        var k0 = 0.0, kk1 = 0.0, kk2 = 0.0, kk3 = 0.0
        let maxk = Int((16 * z / Double.pi).rounded(.up))
        for k in stride(from: maxk, to: 0, by: -1) {
            let m = Double(2 * k - 1)
            let m2 = m * m
            let m4 = m2 * m2
            let m6 = m4 * m2
            let qpower = Double.pow(q, Double(8 * k))
            k0 = k0 * qpower + 1
            kk1 = kk1 * qpower + (k1a + k1b * m2)
            kk2 = kk2 * qpower + (k2a + k2b * m2 + k2c * m4)
            kk3 = kk3 * qpower + (k3a + k3b * m2 + k3c * m4 + k3d * m6)
        }
        let sqrt2pi = (2 * Double.pi).squareRoot()
        k0 *= q * sqrt2pi / z
        kk1 *= q * sqrt2pi / (6 * z4)
        kk2 *= q * sqrt2pi / (72 * Double.pow(z, 7))
        kk3 *= q * sqrt2pi / (6480 * Double.pow(z, 10))
        q = Double.exp(-pi2 / 2 / z2)
        var k2extra = 0.0
        var k3extra = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        // numpy sums these arrays from k = maxk down to 1.
        for k in stride(from: maxk, to: 0, by: -1) {
            let ks = Double(k)
            let ksq = ks * ks
            let qp = Double.pow(q, ksq)
            k2extra += ksq * qp
            let kspi = Double.pi * ks
            k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp
        }
        k2extra *= pi2 * sqrt2pi / (-36 * z3)
        k3extra *= pi2 * sqrt2pi / (216 * z6)
        kk2 += k2extra
        kk3 += k3extra
        kk1 /= Double.pow(nd, 0.5)
        kk2 /= nd
        kk3 /= Double.pow(nd, 1.5)
        return k0 + kk1 + kk2 + kk3
    }
}
