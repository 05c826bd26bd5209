import RealModule

/// The Shapiro-Wilk normality test (SciPy `scipy.stats.shapiro`), a port of Royston's algorithm AS R94 with its
/// own approximations (AS 111 normal quantiles, AS 66 normal tail), as SciPy uses them.
///
/// Agreement with SciPy: W to about 1e-14 and p to about 1e-11 relative (same algorithm, same constants).
/// Conventions kept from SciPy: zero-range data gives W = 1, p = 1 (with ``Result/warning`` set); for n = 3 and
/// W < 0.75 the result is W = 0.75, p = 0; for n > 5000 the p-value is flagged as possibly inaccurate.
public enum ShapiroWilk {
    /// Test result.
    public struct Result: Sendable, Equatable {
        /// The W statistic.
        public var statistic: Double
        /// The p-value.
        public var pValue: Double
        /// SciPy's warning, if any (zero range, or n > 5000).
        public var warning: String?
    }

    /// Runs the test on `values` (at least 3, finite).
    ///
    /// - Throws: ``StatisticsError``.
    public static func test(_ values: [Double]) throws(StatisticsError) -> Result {
        let n = values.count
        guard n >= 3 else { throw .sampleTooSmall(minimum: 3, got: n) }
        try checkFinite(values)
        let shift = values[n / 2]
        let x = values.sorted().map { $0 - shift }
        let nn2 = n / 2
        var a = [Double](repeating: 0, count: nn2)
        let an = Double(n)
        let sqrth = 2.0.squareRoot() / 2
        if n == 3 {
            a[0] = sqrth
        } else {
            let an25 = an + 0.25
            var summ2 = 0.0
            for i in 0..<nn2 {
                let t = ppnd((Double(i + 1) - 0.375) / an25)
                a[i] = t
                summ2 += t * t
            }
            summ2 *= 2
            let ssumm2 = summ2.squareRoot()
            let rsn = 1 / an.squareRoot()
            let a1 = poly(c1, rsn) - a[0] / ssumm2
            let i1: Int
            let fac: Double
            if n > 5 {
                i1 = 2
                let a2 = -a[1] / ssumm2 + poly(c2, rsn)
                fac = ((summ2 - 2 * a[0] * a[0] - 2 * a[1] * a[1]) / (1 - 2 * a1 * a1 - 2 * a2 * a2)).squareRoot()
                a[1] = a2
            } else {
                i1 = 1
                fac = ((summ2 - 2 * a[0] * a[0]) / (1 - 2 * a1 * a1)).squareRoot()
            }
            a[0] = a1
            if i1 < nn2 { for i in i1..<nn2 { a[i] *= -1 / fac } }
        }
        let range = x[n - 1] - x[0]
        if range < 1e-19 {
            return Result(statistic: 1, pValue: 1, warning: "Input data has range zero. The results may not be accurate.")
        }
        let warning: String? = n > 5000 ? "p-value may not be accurate for N > 5000." : nil
        var sx = x[0] / range
        var sa = -a[0]
        var ind2 = n - 2
        for ind1 in 1..<n {
            sx += x[ind1] / range
            if ind1 != ind2 { sa += Double(ind1 < ind2 ? -1 : 1) * a[Swift.min(ind1, ind2)] }
            ind2 -= 1
        }
        sa /= Double(n)
        sx /= Double(n)
        var ssa = 0.0
        var ssx = 0.0
        var sax = 0.0
        ind2 = n - 1
        for ind1 in 0..<n {
            let asa = ind1 != ind2 ? Double(ind1 < ind2 ? -1 : 1) * a[Swift.min(ind1, ind2)] - sa : -sa
            let xsx = x[ind1] / range - sx
            ssa += asa * asa
            ssx += xsx * xsx
            sax += asa * xsx
            ind2 -= 1
        }
        let ssassx = (ssa * ssx).squareRoot()
        let w1 = (ssassx - sax) * (ssassx + sax) / (ssa * ssx)
        let w = 1 - w1
        if n == 3 {
            if w < 0.75 { return Result(statistic: 0.75, pValue: 0, warning: warning) }
            return Result(statistic: w, pValue: 1 - 6 / Double.pi * Double.acos(w.squareRoot()), warning: warning)
        }
        var y = Double.log(w1)
        let xx = Double.log(an)
        let m: Double
        let s: Double
        if n <= 11 {
            let gamma = poly(g, an)
            if y >= gamma { return Result(statistic: w, pValue: 1e-19, warning: warning) }
            y = -Double.log(gamma - y)
            m = poly(c3, an)
            s = Double.exp(poly(c4, an))
        } else {
            m = poly(c5, xx)
            s = Double.exp(poly(c6, xx))
        }
        return Result(statistic: w, pValue: alnormUpper((y - m) / s), warning: warning)
    }

    private static let c1: [Double] = [0, 0.221157, -0.147981, -0.207119e1, 0.4434685e1, -0.2706056e1]
    private static let c2: [Double] = [0, 0.42981e-1, -0.293762, -0.1752461e1, 0.5682633e1, -0.3582633e1]
    private static let c3: [Double] = [0.5440, -0.39978, 0.25054e-1, -0.6714e-3]
    private static let c4: [Double] = [0.13822e1, -0.77857, 0.62767e-1, -0.20322e-2]
    private static let c5: [Double] = [-0.15861e1, -0.31082, -0.83751e-1, 0.38915e-2]
    private static let c6: [Double] = [-0.4803, -0.82676e-1, 0.30302e-2]
    private static let g: [Double] = [-0.2273e1, 0.459]

    /// AS R94's polynomial: coefficients `[c0, c1, …]` meaning `c0 + c1 x + c2 x² + …`, evaluated as the
    /// original (Horner from the top).
    static func poly(_ c: [Double], _ x: Double) -> Double {
        let nord = c.count
        var res = c[0]
        if nord == 1 { return res }
        var p = x * c[nord - 1]
        if nord == 2 { return res + p }
        for ind in stride(from: nord - 2, to: 0, by: -1) { p = (p + c[ind]) * x }
        res += p
        return res
    }

    /// AS 111: normal quantile approximation.
    static func ppnd(_ p: Double) -> Double {
        let a0 = 2.50662823884, a1 = -18.61500062529, a2 = 41.39119773534, a3 = -25.44106049637
        let b1 = -8.47351093090, b2 = 23.08336743743, b3 = -21.06224101826, b4 = 3.13082909833
        let c0 = -2.78718931138, c1 = -2.29796479134, c2 = 4.85014127135, c3 = 2.32121276858
        let d1 = 3.54388924762, d2 = 1.63706781897
        let q = p - 0.5
        if abs(q) <= 0.42 {
            let r = q * q
            var t = q * (((a3 * r + a2) * r + a1) * r + a0)
            t /= (((b4 * r + b3) * r + b2) * r + b1) * r + 1
            return t
        }
        var r = q > 0 ? 1 - p : p
        if r > 0 { r = (-Double.log(r)).squareRoot() } else { return 0 }
        var t = ((c3 * r + c2) * r + c1) * r + c0
        t /= (d2 * r + d1) * r + 1
        return q < 0 ? -t : t
    }

    /// AS 66: upper normal tail area from `x` to infinity.
    static func alnormUpper(_ x: Double) -> Double {
        let a1 = 0.398942280444, a2 = 0.399903438504, a3 = 5.75885480458, a4 = 29.8213557808
        let a5 = 2.62433121679, a6 = 48.6959930692, a7 = 5.92885724438
        let b1 = 0.398942280385, b2 = 3.8052e-8, b3 = 1.00000615302, b4 = 3.98064794e-4
        let b5 = 1.98615381364, b6 = 0.151679116635, b7 = 5.29330324926, b8 = 4.8385912808
        let b9 = 15.1508972451, b10 = 0.742380924027, b11 = 30.789933034, b12 = 3.99019417011
        var upper = true
        var z = x
        if !(z > 0) {
            upper = false
            z = -z
        }
        if !(z <= 7 || (upper && z <= 38)) { return upper ? 0 : 1 }
        let y = 0.5 * z * z
        let temp: Double
        if z <= 1.28 {
            temp = 0.5 - z * (a1 - a2 * y / (y + a3 - a4 / (y + a5 + a6 / (y + a7))))
        } else {
            temp = b1 * Double.exp(-y)
                / (z - b2 + b3 / (z + b4 + b5 / (z - b6 + b7 / (z + b8 - b9 / (z + b10 + b11 / (z + b12))))))
        }
        return upper ? temp : 1 - temp
    }
}
