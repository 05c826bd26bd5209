/// The Mann-Whitney U rank test (SciPy `scipy.stats.mannwhitneyu`).
///
/// Used by the degradation monitor: are recent prediction errors `x` stochastically greater than historical
/// errors `y` (`alternative: .greater`)?
///
/// - Exact: the null distribution of U from the Gaussian binomial coefficient `[n1+n2 choose n1]_q`
///   (no tie correction, as SciPy; a non-integer U is truncated).
/// - Asymptotic: normal approximation with tie correction
///   `σ = sqrt(n1 n2 / 12 · ((n + 1) − Σ(t³ − t) / (n (n − 1))))` and optional continuity correction.
/// - Automatic: exact when `min(n1, n2) ≤ 8` and there are no ties, else asymptotic.
public enum MannWhitneyU {
    /// How the p-value is computed.
    public enum Method: String, Sendable, Codable {
        case automatic = "auto"
        case exact
        case asymptotic
    }

    /// Test result.
    public struct Result: Sendable, Equatable {
        /// U1, the statistic of the first sample.
        public var statistic: Double
        /// The p-value.
        public var pValue: Double
        /// The standardised statistic (asymptotic method only).
        public var zStatistic: Double?
        /// The method actually used.
        public var method: Method
        /// `Σ (t³ − t)` over tie groups of the pooled sample.
        public var tieTerm: Double
    }

    /// Runs the test.
    ///
    /// - Throws: ``StatisticsError`` for empty or non-finite samples.
    public static func test(
        _ x: [Double], _ y: [Double], alternative: Alternative = .twoSided, useContinuity: Bool = true,
        method: Method = .automatic
    ) throws(StatisticsError) -> Result {
        guard !x.isEmpty else { throw .sampleTooSmall(minimum: 1, got: 0) }
        guard !y.isEmpty else { throw .sampleTooSmall(minimum: 1, got: 0) }
        try checkFinite(x)
        try checkFinite(y)
        let n1 = x.count
        let n2 = y.count
        let pooled = x + y
        // Average ranks, and tie group sizes.
        let order = pooled.indices.sorted { pooled[$0] < pooled[$1] }
        var ranks = [Double](repeating: 0, count: pooled.count)
        var tieTerm = 0.0
        var hasTies = false
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && pooled[order[j + 1]] == pooled[order[i]] { j += 1 }
            let t = Double(j - i + 1)
            let avg = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = avg }
            if t > 1 { hasTies = true }
            tieTerm += t * t * t - t
            i = j + 1
        }
        let offset = Double(n1 + 1) / 2
        var u1 = 0.0
        for k in 0..<n1 { u1 += ranks[k] - offset }
        let u2 = Double(n1) * Double(n2) - u1
        let u: Double
        let factor: Double
        switch alternative {
        case .greater: (u, factor) = (u1, 1)
        case .less: (u, factor) = (u2, 1)
        case .twoSided: (u, factor) = (Swift.max(u1, u2), 2)
        }
        var mode = method
        if mode == .automatic {
            mode = (n1 > 8 && n2 > 8) || hasTies ? .asymptotic : .exact
        }
        var p: Double
        var z: Double? = nil
        if mode == .exact {
            p = ExactUDistribution(n1: n1, n2: n2).survival(Int(u)) * factor
        } else {
            let mu = Double(n1) * Double(n2) / 2
            let n = Double(n1 + n2)
            let s = (Double(n1) * Double(n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))).squareRoot()
            var numerator = u1 - mu
            if useContinuity {
                let sign: Double
                switch alternative {
                case .greater: sign = 1
                case .less: sign = -1
                case .twoSided: sign = numerator > 0 ? 1 : (numerator < 0 ? -1 : 0)
                }
                numerator -= 0.5 * sign
            }
            let zz = numerator / s
            z = zz
            switch alternative {
            case .greater: p = StandardNormal.survival(zz)
            case .less: p = StandardNormal.cdf(zz)
            case .twoSided: p = 2 * Swift.min(StandardNormal.cdf(zz), StandardNormal.survival(zz))
            }
            if p.isNaN { p = 1 }
        }
        p = Swift.min(Swift.max(p, 0), 1)
        return Result(statistic: u1, pValue: p, zStatistic: z, method: mode, tieTerm: tieTerm)
    }
}

/// The exact null distribution of the Mann-Whitney U statistic.
///
/// Frequencies are the coefficients of the Gaussian binomial `∏_{i=1}^{n1} (1 − q^{n2+i}) / (1 − q^i)`, built by
/// one polynomial multiplication and one division (a running sum) per factor, in floating point (exact while
/// the counts stay below 2⁵³; relative accuracy about 1e-15 beyond).
struct ExactUDistribution {
    let n1: Int
    let n2: Int
    let frequencies: [Double]
    let total: Double

    init(n1: Int, n2: Int) {
        let a = Swift.min(n1, n2)
        let b = Swift.max(n1, n2)
        self.n1 = a
        self.n2 = b
        let size = a * b + 1
        var f = [Double](repeating: 0, count: size)
        f[0] = 1
        var degree = 0
        for i in 1...Swift.max(a, 1) where a > 0 {
            // multiply by (1 − q^{b+i})
            let shift = b + i
            let newDegree = degree + shift
            if newDegree < size {
                for k in stride(from: newDegree, through: shift, by: -1) { f[k] -= f[k - shift] }
            } else {
                for k in stride(from: size - 1, through: shift, by: -1) { f[k] -= f[k - shift] }
            }
            // divide by (1 − q^i): g[k] = f[k] + g[k − i]
            let upper = Swift.min(newDegree, size - 1)
            if i <= upper {
                for k in i...upper { f[k] += f[k - i] }
            }
            degree = newDegree - i
        }
        frequencies = f
        total = f.reduce(0, +)
    }

    /// `P(U ≥ k)`, summed from the nearer tail (the distribution is symmetric about `n1 n2 / 2`).
    func survival(_ k: Int) -> Double {
        let mn = n1 * n2
        let kc = mn - k
        if k < kc {
            // 1 − cdf(k) + pmf(k)
            var c = 0.0
            for j in 0...Swift.max(k, 0) where j < frequencies.count { c += frequencies[j] }
            let pmf = k >= 0 && k < frequencies.count ? frequencies[k] : 0
            return 1 - c / total + pmf / total
        }
        var c = 0.0
        if kc >= 0 { for j in 0...kc { c += frequencies[j] } }
        return c / total
    }
}
