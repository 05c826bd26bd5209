/// A piecewise-linear function through points sorted by x, extended beyond its ends along its first and last
/// segments (constant when it has one point).
///
/// Exact at every point it is built from; evaluation is a binary search (O(log n), no allocation).
struct PiecewiseLinear: Sendable, Equatable {
    /// Abscissae, strictly increasing.
    let xs: [Double]
    /// Ordinates.
    let ys: [Double]

    /// Builds from `(x, y)` points; equal x are not allowed (aggregate them first).
    init(_ points: [(x: Double, y: Double)]) {
        let sorted = points.sorted { $0.x < $1.x }
        xs = sorted.map(\.x)
        ys = sorted.map(\.y)
    }

    var lowerX: Double { xs[0] }
    var upperX: Double { xs[xs.count - 1] }

    /// Whether `x` lies within the measured range.
    func covers(_ x: Double) -> Bool { x >= xs[0] && x <= xs[xs.count - 1] }

    /// The value at `x` (linear interpolation inside, linear extension outside).
    func callAsFunction(_ x: Double) -> Double {
        let n = xs.count
        if n == 1 { return ys[0] }
        // Segment j covers [xs[j], xs[j+1]]; clamp to the first and last segments for extension.
        var lo = 0
        var hi = n - 1
        if x <= xs[0] {
            hi = 1
        } else if x >= xs[n - 1] {
            lo = n - 2
        } else {
            while hi - lo > 1 {
                let mid = (lo + hi) >> 1
                if xs[mid] <= x { lo = mid } else { hi = mid }
            }
        }
        let t = (x - xs[lo]) / (xs[hi] - xs[lo])
        return ys[lo] + t * (ys[hi] - ys[lo])
    }
}
