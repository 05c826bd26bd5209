/// Expanding-window time-series cross-validation (DESIGN §2.6), with scikit-learn `TimeSeriesSplit` semantics:
/// `k` splits, test size `n / (k + 1)` (integer division); fold `f` trains on rows `[0, e)` and tests on
/// `[e, e + testSize)` with `e = n − (k − f) · testSize`. Never shuffled.
public struct ExpandingWindowSplit: Sendable, Equatable {
    /// One fold.
    public struct Fold: Sendable, Equatable {
        /// Training rows `[0, e)`.
        public var train: Range<Int>
        /// Test rows `[e, e + testSize)`.
        public var test: Range<Int>
    }

    /// The folds, oldest first.
    public var folds: [Fold]
    /// Rows in each test window.
    public var testSize: Int

    /// Splits `count` rows into `splits` folds.
    ///
    /// - Precondition: `splits ≥ 2` and `count ≥ splits + 1`.
    public init(count n: Int, splits: Int = 5) {
        precondition(splits >= 2 && n >= splits + 1, "need at least splits + 1 rows")
        let size = n / (splits + 1)
        testSize = size
        folds = (0..<splits).map { f in
            let e = n - (splits - f) * size
            return Fold(train: 0..<e, test: e..<(e + size))
        }
    }
}

/// Cross-validated quality of the saturation model and the baselines on one table.
public struct CrossValidationReport: Sendable {
    /// Per-fold metrics of one model.
    public struct FoldResult: Sendable {
        public var fold: ExpandingWindowSplit.Fold
        /// Training metrics (nil when the model could not be fitted on the window).
        public var train: QualityMetrics?
        /// Test metrics (nil when the model could not be fitted).
        public var test: QualityMetrics?
    }

    /// Folds for each model name (`saturation`, `linear`, `polynomial`).
    public var results: [String: [FoldResult]]

    /// Runs the cross-validation on already filtered rows (in time order).
    public init(kept table: StepTable, splits: Int = 5, configuration: FitConfiguration = FitConfiguration()) {
        let split = ExpandingWindowSplit(count: table.count, splits: splits)
        var results: [String: [FoldResult]] = [:]
        for fold in split.folds {
            let train = table.rows(in: fold.train)
            let test = table.rows(in: fold.test)
            let models: [(String, (any LatencyPredictor)?)] = [
                ("saturation", try? LatencyFitter.fit(train, configuration: configuration).parameters),
                ("linear", try? Baseline(.linear, fittedTo: train)),
                ("polynomial", try? Baseline(.polynomial, fittedTo: train)),
            ]
            for (name, model) in models {
                let r = FoldResult(
                    fold: fold, train: model.map { QualityMetrics($0, on: train) },
                    test: model.map { QualityMetrics($0, on: test) })
                results[name, default: []].append(r)
            }
        }
        self.results = results
    }
}
