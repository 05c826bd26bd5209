import RealModule

/// The two-sample Kolmogorov-Smirnov test (SciPy `scipy.stats.ks_2samp`).
///
/// Used by the drift detector: recent residuals `x` against historical residuals `y`.
///
/// ```swift
/// let r = try KolmogorovSmirnov.twoSample(recent, historical)
/// if r.pValue < 0.05 { /* drift */ }
/// ```
public enum KolmogorovSmirnov {
    /// How the p-value is computed.
    public enum Method: String, Sendable, Codable {
        /// Exact when `max(n1, n2) ≤ 10000`, else asymptotic (SciPy `auto`).
        case automatic = "auto"
        /// Exact lattice-path count; falls back to asymptotic if it overflows.
        case exact
        /// The one-sample `kstwo` distribution at `n_eff = round_half_even(n1 n2 / (n1 + n2))` (two-sided), or
        /// Hodges' approximation (one-sided).
        case asymptotic = "asymp"
    }

    /// Test result.
    public struct Result: Sendable, Equatable {
        /// D: for the exact method snapped to `h / lcm(n1, n2)`; for the asymptotic one the raw ECDF difference.
        public var statistic: Double
        /// The p-value.
        public var pValue: Double
        /// The pooled value at which D is attained.
        public var statisticLocation: Double
        /// +1 when `F_x − F_y` attains D, −1 when `F_y − F_x` does.
        public var statisticSign: Int
        /// The method actually used.
        public var method: Method
    }

    /// Runs the test.
    ///
    /// - Parameters:
    ///   - x: first sample (recent), not empty, finite.
    ///   - y: second sample (historical), not empty, finite.
    ///   - alternative: `.twoSided` (default), `.less` or `.greater` (SciPy's meaning).
    ///   - method: see ``Method``.
    /// - Throws: ``StatisticsError``.
    public static func twoSample(
        _ x: [Double], _ y: [Double], alternative: Alternative = .twoSided, method: Method = .automatic
    ) throws(StatisticsError) -> Result {
        guard !x.isEmpty else { throw .sampleTooSmall(minimum: 1, got: 0) }
        guard !y.isEmpty else { throw .sampleTooSmall(minimum: 1, got: 0) }
        try checkFinite(x)
        try checkFinite(y)
        let d1 = x.sorted()
        let d2 = y.sorted()
        let n1 = d1.count
        let n2 = d2.count
        // ECDF differences at every pooled value (pooled order: sorted x then sorted y, first extremum). Each half
        // of the pooled sequence is sorted, so the counts `#{x ≤ v}` and `#{y ≤ v}` are two pointers that only move
        // forward: linear after the sorts.
        var argMin = 0
        var argMax = 0
        var minDiff = Double.infinity
        var maxDiff = -Double.infinity
        for (offset, half) in [d1, d2].enumerated() {
            var e1 = 0
            var e2 = 0
            for (k, v) in half.enumerated() {
                while e1 < n1 && d1[e1] <= v { e1 += 1 }
                while e2 < n2 && d2[e2] <= v { e2 += 1 }
                let diff = Double(e1) / Double(n1) - Double(e2) / Double(n2)
                let i = offset == 0 ? k : n1 + k
                if diff < minDiff { minDiff = diff; argMin = i }
                if diff > maxDiff { maxDiff = diff; argMax = i }
            }
        }
        func pooled(_ i: Int) -> Double { i < n1 ? d1[i] : d2[i - n1] }
        let minS = Swift.min(Swift.max(-minDiff, 0), 1)
        let maxS = maxDiff
        var d: Double
        let location: Double
        let sign: Int
        if alternative == .less || (alternative == .twoSided && minS > maxS) {
            d = minS
            location = pooled(argMin)
            sign = -1
        } else {
            d = maxS
            location = pooled(argMax)
            sign = 1
        }
        let g = gcd(n1, n2)
        var mode = method
        if mode == .automatic {
            mode = Swift.max(n1, n2) <= 10_000 ? .exact : .asymptotic
        } else if mode == .exact, Double(n1 / g) >= Double(Int32.max) / Double(n2 / g) {
            mode = .asymptotic
        }
        var prob = -Double.infinity
        if mode == .exact {
            let lcm = Double(n1 / g) * Double(n2)
            let h = Int((d * lcm).rounded(.toNearestOrEven))
            let snapped = Double(h) / lcm
            if let p = exactProbability(n1: n1, n2: n2, g: g, h: h, alternative: alternative) {
                d = snapped
                prob = p
            } else {
                d = snapped
                mode = .asymptotic
            }
        }
        if mode == .asymptotic {
            let m = Double(Swift.max(n1, n2))
            let n = Double(Swift.min(n1, n2))
            let en = m * n / (m + n)
            if alternative == .twoSided {
                prob = KolmogorovDistribution.survival(d, n: Int(en.rounded(.toNearestOrEven)))
            } else {
                let z = en.squareRoot() * d
                let expt = -2 * z * z - 2 * z * (m + 2 * n) / (m * n * (m + n)).squareRoot() / 3
                prob = Double.exp(expt)
            }
        }
        prob = Swift.min(Swift.max(prob, 0), 1)
        return Result(statistic: d, pValue: prob, statisticLocation: location, statisticSign: sign, method: mode)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var a = a
        var b = b
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// SciPy `_attempt_exact_2kssamp`; nil when the computation is not representable (then asymptotic is used).
    static func exactProbability(n1: Int, n2: Int, g: Int, h: Int, alternative: Alternative) -> Double? {
        if h == 0 { return 1 }
        let prob: Double
        if alternative == .twoSided {
            if n1 == n2 {
                prob = probabilityOutsideSquare(n: n1, h: h)
            } else {
                prob = outerProbabilityInside(m: n1, n: n2, g: g, h: h)
            }
        } else {
            if n1 == n2 {
                var p = 1.0
                for j in 0..<h { p *= Double(n1 - j) / (Double(n1 + j) + 1) }
                prob = p
            } else {
                guard let paths = countPathsOutside(m: n1, n: n2, g: g, h: h) else { return nil }
                let total = binomial(Double(n1 + n2), Double(n1))
                guard total.isFinite, paths <= total else { return nil }
                prob = paths / total
            }
        }
        guard prob.isFinite, prob >= 0, prob <= 1 else { return nil }
        return prob
    }

    /// Equal sample sizes: the alternating series in Horner-like product form.
    static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var p1 = 1.0
            for j in 0..<h {
                p1 = Double(n - k * h - j) * p1 / Double(n + k * h + j + 1)
            }
            p = p1 * (1 - p)
            k -= 1
        }
        return 2 * p
    }

    /// Hodges' inside method with Viehmann's `1 − p` recursion and a sliding window.
    static func outerProbabilityInside(m: Int, n: Int, g: Int, h: Int) -> Double {
        var m = m
        var n = n
        if m < n { swap(&m, &n) }
        let mg = m / g
        let ng = n / g
        var minj = 0
        var maxj = Swift.min(ceilDiv(h, mg), n + 1)
        var curlen = maxj - minj
        let lenA = Swift.min(2 * maxj + 2, n + 1)
        var a = [Double](repeating: 1, count: lenA)
        for j in minj..<maxj { a[j] = 0 }
        for i in 1...m {
            let lastminj = minj
            let lastlen = curlen
            minj = Swift.max(floorDiv(ng * i - h, mg) + 1, 0)
            minj = Swift.min(minj, n)
            maxj = Swift.min(ceilDiv(ng * i + h, mg), n + 1)
            if maxj <= minj { return 1 }
            var val = minj == 0 ? 0.0 : 1.0
            for jj in 0..<(maxj - minj) {
                let j = jj + minj
                val = (a[jj + minj - lastminj] * Double(i) + val * Double(j)) / Double(i + j)
                a[jj] = val
            }
            curlen = maxj - minj
            if lastlen > curlen {
                for q in (maxj - minj)..<Swift.min(maxj - minj + (lastlen - curlen), lenA) { a[q] = 1 }
            }
        }
        return a[maxj - minj - 1]
    }

    /// Number of lattice paths that leave the band (one-sided, unequal sizes); nil on overflow.
    static func countPathsOutside(m: Int, n: Int, g: Int, h: Int) -> Double? {
        var m = m
        var n = n
        if m < n { swap(&m, &n) }
        let mg = m / g
        let ng = n / g
        let lxj = n + floorDiv(mg - h, mg)
        if lxj <= 0 { return binomial(Double(m + n), Double(n)) }
        let xj = (0..<lxj).map { j in floorDiv(h + mg * j + ng - 1, ng) }
        var b = [Double](repeating: 0, count: lxj)
        b[0] = 1
        for j in 1..<lxj {
            var bj = binomial(Double(xj[j] + j), Double(j))
            for i in 0..<j {
                bj -= binomial(Double(xj[j] - xj[i] + j - i), Double(j - i)) * b[i]
            }
            b[j] = bj
        }
        var paths = 0.0
        for j in 0..<lxj {
            paths += b[j] * binomial(Double(m - xj[j] + n - j), Double(n - j))
        }
        return paths.isFinite ? paths : nil
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }

    static func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }

    /// `C(n, k)` in floating point (exact while it fits in 53 bits).
    static func binomial(_ n: Double, _ k: Double) -> Double {
        if k < 0 || k > n { return 0 }
        let k = Swift.min(k, n - k)
        var r = 1.0
        var i = 1.0
        while i <= k {
            r = r * (n - k + i) / i
            i += 1
        }
        return r.rounded()
    }
}
