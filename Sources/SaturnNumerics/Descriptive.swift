import RealModule

/// Descriptive statistics used by fit reports and monitors.
public enum Descriptive {
    /// The q-quantile of `values` with linear interpolation between order statistics (NumPy's default,
    /// `method='linear'`): `h = (n − 1) q`, `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`.
    ///
    /// - Precondition: `values` is not empty and `0 ≤ q ≤ 1`.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        precondition(!values.isEmpty && q >= 0 && q <= 1)
        return quantile(sorted: values.sorted(), q)
    }

    /// ``quantile(_:_:)`` on already sorted values.
    public static func quantile(sorted x: [Double], _ q: Double) -> Double {
        precondition(!x.isEmpty && q >= 0 && q <= 1)
        let h = Double(x.count - 1) * q
        let lo = Int(h.rounded(.down))
        if lo >= x.count - 1 { return x[x.count - 1] }
        let frac = h - Double(lo)
        return x[lo] + frac * (x[lo + 1] - x[lo])
    }

    /// The median (mean of the two middle values for an even count).
    public static func median(_ values: [Double]) -> Double { quantile(values, 0.5) }

    /// Arithmetic mean (compensated summation).
    public static func mean(_ values: [Double]) -> Double {
        precondition(!values.isEmpty)
        return sum(values) / Double(values.count)
    }

    /// Kahan-Babuška (Neumaier) compensated sum.
    public static func sum(_ values: [Double]) -> Double {
        var s = 0.0
        var c = 0.0
        for v in values {
            let t = s + v
            if abs(s) >= abs(v) { c += (s - t) + v } else { c += (v - t) + s }
            s = t
        }
        return s + c
    }
}

/// The standard normal distribution.
public enum StandardNormal {
    /// `Φ(z)`, accurate in both tails (via `erfc`).
    public static func cdf(_ z: Double) -> Double {
        if z.isNaN { return .nan }
        return 0.5 * Double.erfc(-z / 2.0.squareRoot())
    }

    /// `1 − Φ(z)`, accurate for large `z`.
    public static func survival(_ z: Double) -> Double {
        if z.isNaN { return .nan }
        return 0.5 * Double.erfc(z / 2.0.squareRoot())
    }
}

/// Which side a one-sample or two-sample hypothesis test looks at (SciPy `alternative`).
public enum Alternative: String, Sendable, Codable, CaseIterable {
    case twoSided = "two-sided"
    case less
    case greater
}

/// Errors shared by the hypothesis tests.
public enum StatisticsError: Error, Equatable, Sendable {
    /// A sample is empty or too small for the test.
    case sampleTooSmall(minimum: Int, got: Int)
    /// A value is NaN or infinite.
    case nonFiniteValue
}

func checkFinite(_ values: [Double]) throws(StatisticsError) {
    for v in values where !v.isFinite { throw .nonFiniteValue }
}
