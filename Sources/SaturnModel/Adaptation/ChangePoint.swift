/// A change in the mean of a residual series, estimated by the split that maximises the standardised difference
/// of means; several by binary segmentation.
///
/// For a split of `x[0..<n]` into `x[0..<k]` and `x[k..<n]` (each at least `minimumSegment` long):
///
///     t(k) = |x̄_after − x̄_before| / ( σ̂ sqrt(1/k + 1/(n − k)) )
///     σ̂² = ( Σ_before (x − x̄_before)² + Σ_after (x − x̄_after)² ) / (n − 2)
///
/// (the two-sample t statistic with pooled within-segment variance, so the shift itself does not inflate σ̂).
/// O(n) with prefix sums of the centred series. ``segments(in:threshold:minimumSegment:maximumCount:)`` splits
/// recursively while the best `t` of a segment reaches `threshold`.
///
/// Default threshold 4.5: for independent Gaussian noise the maximum of `t` over all splits exceeds 3.8 in 1% and
/// 4.4 in 0.1% of series of 5,000 (simulated), so 4.5 rarely cuts a stable series.
///
/// Use: after ``DriftDetector`` fires, ``latest(in:threshold:minimumSegment:)`` on the window's residuals gives
/// the first observation of the new regime; a full refit trains only on the observations from ``index`` on.
///
/// ```swift
/// if let change = ChangePoint.latest(in: residuals) { refit(on: Array(window[change.index...])) }
/// ```
public struct ChangePoint: Sendable, Hashable {
    /// First index of the new segment (in the series passed in).
    public var index: Int
    /// `t` at the split (`+infinity` for a shift between two constant segments).
    public var statistic: Double
    /// Mean of the segment before the split.
    public var meanBefore: Double
    /// Mean of the segment from the split on.
    public var meanAfter: Double

    /// Default threshold for ``segments(in:threshold:minimumSegment:maximumCount:)``.
    public static let defaultThreshold = 4.5

    /// The split of `series` with the largest `t`; nil when `series.count < 2·minimumSegment` or it is constant.
    /// Indices refer to the base collection of `series`.
    public static func mostLikely(in series: ArraySlice<Double>, minimumSegment: Int = 30) -> ChangePoint? {
        precondition(minimumSegment >= 2, "segments need at least 2 values")
        let n = series.count
        guard n >= 2 * minimumSegment else { return nil }
        let start = series.startIndex
        var mean = 0.0
        for v in series { mean += v }
        mean /= Double(n)
        // Prefix sums of the centred series and its squares.
        var total = 0.0
        var totalSquares = 0.0
        for v in series {
            let c = v - mean
            total += c
            totalSquares += c * c
        }
        var best: ChangePoint? = nil
        var sum = 0.0
        var squares = 0.0
        for k in 1..<n {
            let c = series[start + k - 1] - mean
            sum += c
            squares += c * c
            guard k >= minimumSegment && n - k >= minimumSegment else { continue }
            let n1 = Double(k)
            let n2 = Double(n - k)
            let m1 = sum / n1
            let m2 = (total - sum) / n2
            let within =
                Swift.max(0, squares - sum * sum / n1)
                + Swift.max(0, (totalSquares - squares) - (total - sum) * (total - sum) / n2)
            let sd = (within / Double(n - 2)).squareRoot()
            let difference = abs(m2 - m1)
            let t: Double
            if sd > 0 {
                t = difference / (sd * (1 / n1 + 1 / n2).squareRoot())
            } else {
                t = difference > 0 ? .infinity : 0
            }
            if t > (best?.statistic ?? 0) {
                best = ChangePoint(index: start + k, statistic: t, meanBefore: m1 + mean, meanAfter: m2 + mean)
            }
        }
        return best
    }

    /// ``mostLikely(in:minimumSegment:)`` on a whole array.
    public static func mostLikely(in series: [Double], minimumSegment: Int = 30) -> ChangePoint? {
        mostLikely(in: series[...], minimumSegment: minimumSegment)
    }

    /// Binary segmentation: split the series at its most likely change if `t ≥ threshold`, then each part, until no
    /// part has such a split or `maximumCount` changes are found. Sorted by index.
    public static func segments(
        in series: [Double], threshold: Double = defaultThreshold, minimumSegment: Int = 30, maximumCount: Int = 8
    ) -> [ChangePoint] {
        var found: [ChangePoint] = []
        var pending: [Range<Int>] = [series.indices]
        while let range = pending.popLast(), found.count < maximumCount {
            guard let c = mostLikely(in: series[range], minimumSegment: minimumSegment), c.statistic >= threshold
            else { continue }
            found.append(c)
            pending.append(range.lowerBound..<c.index)
            pending.append(c.index..<range.upperBound)
        }
        return found.sorted { $0.index < $1.index }
    }

    /// The most recent change of ``segments(in:threshold:minimumSegment:maximumCount:)``: where the current regime
    /// starts. Nil when the series has no significant change.
    public static func latest(
        in series: [Double], threshold: Double = defaultThreshold, minimumSegment: Int = 30
    ) -> ChangePoint? {
        segments(in: series, threshold: threshold, minimumSegment: minimumSegment).last
    }
}
