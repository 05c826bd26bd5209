/// Step observations as columns (struct of arrays): batch size `B`, tokens `S`, latency `T` in ms, oldest first,
/// and optional further columns (``StepColumn``: KV-context tokens, prefill and decode counts, step kind).
///
/// Rows appended without a value for a present optional column get 0 there (for ``StepColumn/stepType``,
/// ``StepKind/other``), the documented default of every term that uses it.
public struct StepTable: Sendable, Equatable {
    /// Batch sizes (requests per step).
    public var batchSizes: [Double]
    /// Tokens computed per step.
    public var tokens: [Double]
    /// Step latencies in milliseconds.
    public var latencies: [Double]
    /// The optional columns present, each as long as ``latencies``.
    public private(set) var extraColumns: [StepColumn: [Double]]

    /// Creates a table. - Precondition: equal lengths.
    public init(batchSizes: [Double], tokens: [Double], latencies: [Double]) {
        self.init(batchSizes: batchSizes, tokens: tokens, latencies: latencies, extraColumns: [:])
    }

    /// Creates a table with optional columns. - Precondition: equal lengths.
    public init(batchSizes: [Double], tokens: [Double], latencies: [Double], extraColumns: [StepColumn: [Double]]) {
        precondition(batchSizes.count == tokens.count && tokens.count == latencies.count)
        precondition(extraColumns.values.allSatisfy { $0.count == latencies.count })
        self.batchSizes = batchSizes
        self.tokens = tokens
        self.latencies = latencies
        self.extraColumns = extraColumns
    }

    /// An empty table.
    public init() { self.init(batchSizes: [], tokens: [], latencies: []) }

    /// Number of rows.
    public var count: Int { latencies.count }

    /// True when there are no rows.
    public var isEmpty: Bool { latencies.isEmpty }

    /// True when the optional `column` is present.
    public func has(_ column: StepColumn) -> Bool { extraColumns[column] != nil }

    /// The values of `column`, or nil when absent.
    public subscript(column: StepColumn) -> [Double]? { extraColumns[column] }

    /// Appends one row (0 in every optional column present).
    public mutating func append(batchSize: Double, tokens s: Double, latency: Double) {
        batchSizes.append(batchSize)
        tokens.append(s)
        latencies.append(latency)
        for key in extraColumns.keys { extraColumns[key]!.append(0) }
    }

    /// The rows at `indices`, in that order, with their optional columns.
    public func rows(_ indices: some Sequence<Int>) -> StepTable {
        let picked = Array(indices)
        var extras: [StepColumn: [Double]] = [:]
        for (key, values) in extraColumns { extras[key] = picked.map { values[$0] } }
        return StepTable(
            batchSizes: picked.map { batchSizes[$0] }, tokens: picked.map { tokens[$0] },
            latencies: picked.map { latencies[$0] }, extraColumns: extras)
    }

    /// The rows in `range`, with their optional columns.
    public func rows(in range: Range<Int>) -> StepTable {
        var extras: [StepColumn: [Double]] = [:]
        for (key, values) in extraColumns { extras[key] = Array(values[range]) }
        return StepTable(
            batchSizes: Array(batchSizes[range]), tokens: Array(tokens[range]), latencies: Array(latencies[range]),
            extraColumns: extras)
    }
}
