/// Fairness measures of an allocation.
public enum Fairness {
    /// Jain's fairness index `J = (Σ xᵢ)² / (n Σ xᵢ²)` of non-negative allocations `x` (Jain, Chiu and Hawe 1984).
    ///
    /// `J ∈ [1/n, 1]`: 1 when every `xᵢ` is equal, `1/n` when one party has everything. Scale-invariant. To judge a
    /// weighted allocation pass `xᵢ = allocationᵢ / weightᵢ`.
    /// - Returns: nil for an empty list, a negative or non-finite value, or all zeros (nothing was allocated).
    public static func jainIndex(_ x: [Double]) -> Double? {
        guard !x.isEmpty else { return nil }
        var sum = 0.0
        var sumOfSquares = 0.0
        for v in x {
            guard v.isFinite, v >= 0 else { return nil }
            sum += v
            sumOfSquares += v * v
        }
        guard sumOfSquares > 0 else { return nil }
        return sum * sum / (Double(x.count) * sumOfSquares)
    }
}
