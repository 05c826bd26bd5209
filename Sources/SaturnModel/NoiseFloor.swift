/// The noise floor of a step table: the relative error no model of the table's columns can beat out of sample,
/// estimated from the repeats of each measured setting.
///
/// Rows are grouped as ``GroupedKFold/groups(of:)`` groups them: equal `B`, `S` and, where the columns exist,
/// `step_type` and `kv_tokens`. Every model the fit knows (``ModelFamily``) sees only those columns, so it predicts
/// the same latency for every row of a group; whatever spread the repeats have is error it cannot remove. For a
/// row `i` of a group `g` with `n ≥ 2` rows, the leave-one-out prediction is the mean of the *other* rows,
/// `T̄₋ᵢ = (Σ_{j∈g} Tⱼ − Tᵢ)/(n − 1)`, and its error `eᵢ = |T̄₋ᵢ − Tᵢ|/Tᵢ`. The floor is the mean of `eᵢ` over
/// every row of every group with at least two rows; rows alone in their group have no repeat to compare with and
/// are left out (``rows`` counts the rows that are in). A table with no repeated setting has no floor
/// (``meanRelativeError`` is nil): nothing in it tells measurement noise from model error.
///
/// Properties: invariant under scaling all latencies by one factor; zero exactly when every group's repeats are
/// equal. It is an estimate, not a strict bound: with Gaussian repeats of standard deviation σ the expected `eᵢ`
/// is `√(n/(n−1))` times that of predicting by the setting's true mean (12% more for `n = 5`), because the other
/// rows' mean is itself noisy. A model cross-validated by ``GroupedKFold`` never sees any row of a test row's
/// group, so it has less to go on than `T̄₋ᵢ`: its error can approach the floor, not go below it except by chance.
///
/// ```swift
/// let floor = NoiseFloor(table: scored)
/// if let f = floor.meanRelativeError { print("floor \(f * 100)% over \(floor.rows) rows") }
/// ```
public struct NoiseFloor: Sendable, Equatable {
    /// Mean leave-one-out relative error over the rows of repeated settings (a fraction); nil when no setting is
    /// repeated.
    public var meanRelativeError: Double?
    /// Rows in groups of two or more (the rows the mean is over).
    public var rows: Int
    /// Groups of two or more rows.
    public var repeatedGroups: Int
    /// Each row's leave-one-out relative error `eᵢ`, in input order; nil for a row alone in its group.
    public var rowErrors: [Double?]

    /// The floor of rows with latencies `latencies` (ms, > 0) and group labels `groups` (one per row).
    ///
    /// - Precondition: `latencies.count == groups.count`.
    public init(latencies: [Double], groups: [Int]) {
        precondition(latencies.count == groups.count, "one group label per row")
        var sum: [Int: Double] = [:]
        var size: [Int: Int] = [:]
        for (t, g) in zip(latencies, groups) {
            sum[g, default: 0] += t
            size[g, default: 0] += 1
        }
        rowErrors = zip(latencies, groups).map { t, g in
            let n = size[g]!
            guard n >= 2 else { return nil }
            let others = (sum[g]! - t) / Double(n - 1)
            return abs(others - t) / t
        }
        let errors = rowErrors.compactMap { $0 }
        rows = errors.count
        repeatedGroups = size.values.filter { $0 >= 2 }.count
        meanRelativeError = errors.isEmpty ? nil : errors.reduce(0, +) / Double(errors.count)
    }

    /// The floor of `table`, grouped by ``GroupedKFold/groups(of:)``.
    public init(table: StepTable) {
        self.init(latencies: table.latencies, groups: GroupedKFold.groups(of: table))
    }

    /// `error / floor`: how many times the floor a model's mean relative error is; nil when there is no floor or
    /// it is zero.
    public func ratio(_ error: Double) -> Double? {
        guard let f = meanRelativeError, f > 0 else { return nil }
        return error / f
    }
}
