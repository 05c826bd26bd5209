/// Step observations as columns (struct of arrays): batch size `B`, tokens `S`, latency `T` in ms, oldest first.
public struct StepTable: Sendable, Equatable {
    /// Batch sizes (requests per step).
    public var batchSizes: [Double]
    /// Tokens computed per step.
    public var tokens: [Double]
    /// Step latencies in milliseconds.
    public var latencies: [Double]

    /// Creates a table. - Precondition: equal lengths.
    public init(batchSizes: [Double], tokens: [Double], latencies: [Double]) {
        precondition(batchSizes.count == tokens.count && tokens.count == latencies.count)
        self.batchSizes = batchSizes
        self.tokens = tokens
        self.latencies = latencies
    }

    /// An empty table.
    public init() { self.init(batchSizes: [], tokens: [], latencies: []) }

    /// Number of rows.
    public var count: Int { latencies.count }

    /// True when there are no rows.
    public var isEmpty: Bool { latencies.isEmpty }

    /// Appends one row.
    public mutating func append(batchSize: Double, tokens s: Double, latency: Double) {
        batchSizes.append(batchSize)
        tokens.append(s)
        latencies.append(latency)
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: some Sequence<Int>) -> StepTable {
        var t = StepTable()
        for i in indices { t.append(batchSize: batchSizes[i], tokens: tokens[i], latency: latencies[i]) }
        return t
    }

    /// The rows in `range`.
    public func rows(in range: Range<Int>) -> StepTable {
        StepTable(
            batchSizes: Array(batchSizes[range]), tokens: Array(tokens[range]), latencies: Array(latencies[range]))
    }
}
