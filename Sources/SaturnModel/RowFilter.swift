/// The fit's row filter (DESIGN §2.1): keep rows with `minimumLatency < T < maximumLatency`, `B > 0`, `S > 0`,
/// all finite. All comparisons are strict, so `T = 0.1` and `T = 500` are dropped with the default window.
/// `maximumLatency` may be `.infinity` (no upper end; `saturn fit` and `saturn eval` use that by default, the agent
/// this type's default).
public struct RowFilter: Sendable, Hashable, Codable {
    /// Exclusive lower end of the latency window (ms). Default 0.1.
    public var minimumLatency: Double
    /// Exclusive upper end of the latency window (ms). Default 500.
    public var maximumLatency: Double

    /// Why a row was dropped. A row is counted under the first reason that applies, in this order.
    public enum DropReason: String, CaseIterable, Sendable, Codable {
        case nonFinite = "non_finite"
        case nonPositiveBatchSize = "non_positive_batch_size"
        case nonPositiveTokens = "non_positive_tokens"
        case latencyTooLow = "latency_at_or_below_window"
        case latencyTooHigh = "latency_at_or_above_window"
    }

    /// What the filter did.
    public struct Report: Sendable, Equatable, Codable {
        /// Rows kept.
        public var kept: Int
        /// Rows dropped, by reason (every reason present, zero included).
        public var dropped: [DropReason: Int]
        /// Indices (into the input) of the rows removed, ascending.
        public var removedIndices: [Int]
        /// Total rows dropped.
        public var droppedTotal: Int { dropped.values.reduce(0, +) }
    }

    /// Creates a filter. - Precondition: `minimumLatency < maximumLatency`.
    public init(minimumLatency: Double = 0.1, maximumLatency: Double = 500) {
        precondition(minimumLatency < maximumLatency)
        self.minimumLatency = minimumLatency
        self.maximumLatency = maximumLatency
    }

    /// The reason row `(b, s, t)` is dropped, or nil if kept.
    public func dropReason(batchSize b: Double, tokens s: Double, latency t: Double) -> DropReason? {
        if !(b.isFinite && s.isFinite && t.isFinite) { return .nonFinite }
        if !(b > 0) { return .nonPositiveBatchSize }
        if !(s > 0) { return .nonPositiveTokens }
        if !(t > minimumLatency) { return .latencyTooLow }
        if !(t < maximumLatency) { return .latencyTooHigh }
        return nil
    }

    /// Applies the filter, keeping the order of the kept rows and their optional columns.
    public func apply(to table: StepTable) -> (kept: StepTable, report: Report) {
        var keptIndices = [Int]()
        keptIndices.reserveCapacity(table.count)
        var counts = Dictionary(uniqueKeysWithValues: DropReason.allCases.map { ($0, 0) })
        var removed = [Int]()
        for i in 0..<table.count {
            let b = table.batchSizes[i]
            let s = table.tokens[i]
            let t = table.latencies[i]
            if let reason = dropReason(batchSize: b, tokens: s, latency: t) {
                counts[reason, default: 0] += 1
                removed.append(i)
            } else {
                keptIndices.append(i)
            }
        }
        let kept = removed.isEmpty ? table : table.rows(keptIndices)
        return (kept, Report(kept: kept.count, dropped: counts, removedIndices: removed))
    }
}
