/// The side-by-side evaluation behind `saturn eval` (DESIGN §2): the saturation model fitted with both losses
/// and the two baselines, on the same filtered rows, plus the extrapolation test.
public struct ModelEvaluation: Sendable {
    /// One model's results.
    public struct Entry: Sendable {
        /// `saturation_sse`, `saturation_relative`, `linear` or `polynomial`.
        public var name: String
        /// In-sample metrics on all rows used.
        public var metrics: QualityMetrics
        /// Mean relative error of the extrapolation test (nil when either set is empty or the model cannot be
        /// fitted on the training set).
        public var extrapolationMeanRelativeError: Double?
        /// Residual analysis (in-sample).
        public var residuals: ResidualAnalysis
        /// The fitted saturation parameters (saturation models only).
        public var parameters: LatencyParameters?
    }

    /// The extrapolation split: train on `B ≤ 32` and `S ≤ 1024`; test on the other rows with `B ≤ 64` and
    /// `S ≤ 2048` (DESIGN §2).
    public struct ExtrapolationSplit: Sendable, Equatable {
        public var trainMaximumBatch = 32.0
        public var trainMaximumTokens = 1024.0
        public var testMaximumBatch = 64.0
        public var testMaximumTokens = 2048.0
        public init() {}

        /// Splits `table` into `(train, test)`.
        public func split(_ table: StepTable) -> (train: StepTable, test: StepTable) {
            var train: [Int] = []
            var test: [Int] = []
            for i in 0..<table.count {
                let b = table.batchSizes[i]
                let s = table.tokens[i]
                if b <= trainMaximumBatch && s <= trainMaximumTokens {
                    train.append(i)
                } else if b <= testMaximumBatch && s <= testMaximumTokens {
                    test.append(i)
                }
            }
            return (table.rows(train), table.rows(test))
        }
    }

    /// The filter's report.
    public var filter: RowFilter.Report
    /// Rows in the extrapolation train and test sets.
    public var extrapolationTrainRows: Int
    public var extrapolationTestRows: Int
    /// Results, in the order saturation (SSE), saturation (relative), linear, polynomial.
    public var entries: [Entry]

    /// Evaluates all models on `table`.
    ///
    /// - Throws: ``FitError`` when too few rows survive the filter.
    public init(table: StepTable, filter: RowFilter = RowFilter()) throws(FitError) {
        let (kept, report) = filter.apply(to: table)
        guard kept.count >= LatencyFitter.minimumRows else {
            throw .tooFewRows(kept: kept.count, required: LatencyFitter.minimumRows, dropped: report.droppedTotal)
        }
        self.filter = report
        let split = ExtrapolationSplit().split(kept)
        extrapolationTrainRows = split.train.count
        extrapolationTestRows = split.test.count
        var entries: [Entry] = []
        for (name, objective) in [("saturation_sse", FitConfiguration.Objective.sumOfSquares),
                                  ("saturation_relative", .relative)] {
            let config = FitConfiguration(objective: objective, filter: filter)
            let fit = try LatencyFitter.fitFiltered(kept, filterReport: report, configuration: config)
            var extrapolation: Double? = nil
            if !split.test.isEmpty, let trainFit = try? LatencyFitter.fit(split.train, configuration: config) {
                extrapolation = QualityMetrics(trainFit.parameters, on: split.test).meanRelativeError
            }
            entries.append(
                Entry(
                    name: name, metrics: QualityMetrics(fit.parameters, on: kept),
                    extrapolationMeanRelativeError: extrapolation, residuals: ResidualAnalysis(fit.parameters, on: kept),
                    parameters: fit.parameters))
        }
        for kind in Baseline.Kind.allCases {
            guard let model = try? Baseline(kind, fittedTo: kept) else { continue }
            var extrapolation: Double? = nil
            if !split.test.isEmpty, let trainModel = try? Baseline(kind, fittedTo: split.train) {
                extrapolation = QualityMetrics(trainModel, on: split.test).meanRelativeError
            }
            entries.append(
                Entry(
                    name: kind.rawValue, metrics: QualityMetrics(model, on: kept),
                    extrapolationMeanRelativeError: extrapolation, residuals: ResidualAnalysis(model, on: kept),
                    parameters: nil))
        }
        self.entries = entries
    }
}
