import RealModule

/// The one-sided one-sample Kolmogorov-Smirnov distribution `P(D_n⁺ ≥ x)` (SciPy `scipy.special.smirnov`).
public enum Smirnov {
    /// `P(D_n⁺ ≥ x)` by the Birnbaum-Tingey sum, every term in log space (all terms are positive, so the sum
    /// has no cancellation).
    public static func survival(n: Int, x: Double) -> Double {
        guard n > 0, x >= 0, x <= 1 else { return .nan }
        if n == 1 { return x }
        if x == 0 { return 1 }
        if x == 1 { return 0 }
        let nd = Double(n)
        let nx = nd * x
        var nxFloor = Int(nx.rounded(.down))
        var alpha = nx - Double(nxFloor)
        if alpha >= 1 { nxFloor += 1; alpha = 0 }
        if nxFloor == 0 || (nxFloor == 1 && alpha == 0) {
            // x ≤ 1/n: cdf = x (1 + x)^(n−1)
            let cdf = x * Double.pow(1 + x, Double(n - 1))
            return Swift.min(Swift.max(1 - cdf, 0), 1)
        }
        if -2 * nd * x * x < -708.3964185322641 { return 0 }
        if nxFloor >= n - 1 { return Double.pow(1 - x, nd) }
        // sf = x Σ_{j=0}^{⌊n(1−x)⌋} C(n,j) (1 − x − j/n)^(n−j) (x + j/n)^(j−1)
        let upper = Int((nd * (1 - x)).rounded(.down))
        let logN = Double.logGamma(nd + 1)
        var terms = 0.0
        var maxLog = -Double.infinity
        var logs = [Double]()
        logs.reserveCapacity(upper + 1)
        for j in 0...upper {
            let jd = Double(j)
            let a = 1 - x - jd / nd
            if a <= 0 { break }
            let lc = logN - Double.logGamma(jd + 1) - Double.logGamma(nd - jd + 1)
            let lt = lc + (nd - jd) * Double.log(a) + (jd - 1) * Double.log(x + jd / nd)
            logs.append(lt)
            maxLog = Swift.max(maxLog, lt)
        }
        for l in logs { terms += Double.exp(l - maxLog) }
        let sf = x * terms * Double.exp(maxLog)
        return Swift.min(Swift.max(sf, 0), 1)
    }
}
