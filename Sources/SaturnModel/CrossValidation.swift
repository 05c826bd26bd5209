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

/// K-fold cross-validation that never splits a group (scikit-learn `GroupKFold` semantics): groups are taken
/// largest first (ties: first appearance) and each goes to the fold with the fewest rows so far (ties: the lowest
/// fold), so repeats of one measured setting are always on the same side.
public struct GroupedKFold: Sendable, Equatable {
    /// One fold: row indices, ascending.
    public struct Fold: Sendable, Equatable {
        public var train: [Int]
        public var test: [Int]
    }

    /// The folds.
    public var folds: [Fold]
    /// Distinct groups.
    public var groupCount: Int

    /// Splits rows labelled by `groups` (one label per row) into `splits` folds.
    ///
    /// - Precondition: `splits ≥ 2` and at least `splits` distinct groups.
    public init(groups: [Int], splits: Int = 5) {
        var order: [Int] = []
        var size: [Int: Int] = [:]
        for g in groups {
            if size[g] == nil { order.append(g) }
            size[g, default: 0] += 1
        }
        precondition(splits >= 2 && order.count >= splits, "need at least as many groups as folds")
        groupCount = order.count
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        let bySize = order.sorted { size[$0]! != size[$1]! ? size[$0]! > size[$1]! : position[$0]! < position[$1]! }
        var foldOf: [Int: Int] = [:]
        var load = [Int](repeating: 0, count: splits)
        for g in bySize {
            let f = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            foldOf[g] = f
            load[f] += size[g]!
        }
        folds = (0..<splits).map { f in
            Fold(train: groups.indices.filter { foldOf[groups[$0]]! != f },
                 test: groups.indices.filter { foldOf[groups[$0]]! == f })
        }
    }

    /// The group label of every row of `table`: rows share a label when they have equal `B`, `S` and, where the
    /// columns exist, equal `step_type` and `kv_tokens` (one measured setting and its repeats).
    public static func groups(of table: StepTable) -> [Int] {
        let kinds = table[.stepType]
        let kv = table[.kvTokens]
        var labels: [[Double]: Int] = [:]
        return (0..<table.count).map { i in
            var key = [table.batchSizes[i], table.tokens[i]]
            if let kinds { key.append(kinds[i]) }
            if let kv { key.append(kv[i]) }
            if let l = labels[key] { return l }
            labels[key] = labels.count
            return labels.count - 1
        }
    }
}

/// The choice of a ``ModelFamily`` member for one table by grouped cross-validation.
///
/// 1. Rows pass the fit's ``RowFilter``. Each candidate is fitted to all of them (with the configuration's robust
///    gate); a row every candidate's gate rejects is one no member explains: it is listed in ``rejected`` and
///    neither trained on nor scored.
/// 2. The other rows are split by ``GroupedKFold`` (groups of ``GroupedKFold/groups(of:)``). For each fold each
///    candidate is fitted, without the gate, to the training rows its own full-data gate kept, and predicts the
///    test rows; ``Candidate/cvMAPE`` is
///    the mean `|T̂ − T|/T` over all scored rows, each predicted once by a model that never saw its setting.
/// 3. The selection rule: start from the first candidate (the base model); a richer candidate replaces the current
///    choice only when its cross-validated MAPE is lower by more than a margin (``margin``, 0.1 point, unless the
///    caller asks for a larger one) and by more than one
///    standard error of the per-fold differences.
///
/// ``noiseFloor`` is the ``NoiseFloor`` of the same scored rows: what the repeats of each setting say no model of
/// these columns can beat. ``settingErrors(of:)`` splits a candidate's cross-validated error by setting, so the
/// settings that keep it above the floor can be named.
public struct FamilySelection: Sendable {
    /// One candidate's evidence.
    public struct Candidate: Sendable {
        public var family: ModelFamily
        /// Cross-validated mean relative error (a fraction); infinity when a fold could not be fitted.
        public var cvMAPE: Double
        /// Mean relative error of each fold's test rows.
        public var foldMAPEs: [Double]
        /// Each scored row's out-of-fold relative error `|T̂ − T|/T`, in the order of ``FamilySelection/scoredIndices``;
        /// empty when a fold could not be fitted.
        public var outOfFoldErrors: [Double]
        /// The fit to all filtered rows.
        public var fullFit: FitReport
    }

    /// Minimum improvement (absolute, a fraction) for a richer family to be chosen: 0.001.
    public static let margin = 0.001

    /// The candidates, in the order given.
    public var candidates: [Candidate]
    /// The chosen family.
    public var chosen: ModelFamily
    /// Rows rejected by every candidate (indices into the input table, residuals under the chosen family's fit).
    public var rejected: [FitReport.RejectedRow]
    /// Rows scored (filtered, not rejected).
    public var scoredRows: Int
    /// Indices (into the input table) of the scored rows, ascending.
    public var scoredIndices: [Int]
    /// The group label (``GroupedKFold/groups(of:)``) of each scored row, in the order of ``scoredIndices``.
    public var groups: [Int]
    /// The noise floor of the scored rows.
    public var noiseFloor: NoiseFloor
    /// Distinct groups among the scored rows.
    public var groupCount: Int
    /// Folds.
    public var splits: Int

    /// The chosen candidate.
    public var chosenCandidate: Candidate { candidates.first { $0.family == chosen }! }

    /// Cross-validates `families` (the first is the default, normally ``ModelFamily/base``) on `table`.
    ///
    /// - Throws: ``FitError`` when the first candidate cannot be fitted or there are fewer groups than folds.
    public init(
        table: StepTable, families: [ModelFamily] = ModelFamily.allCases, splits: Int = 5,
        configuration: FitConfiguration = FitConfiguration(objective: .relative, rejection: OutlierRejection()),
        margin: Double = FamilySelection.margin
    ) throws(FitError) {
        guard !families.isEmpty, splits >= 2 else { throw .invalidConfiguration("need a family and >= 2 folds") }
        let (kept, filterReport) = configuration.filter.apply(to: table)
        let removed = Set(filterReport.removedIndices)
        let original = (0..<table.count).filter { !removed.contains($0) }
        // 1. Full fits; rows every candidate rejects are excluded.
        var fullFits: [FitReport] = []
        for family in families {
            var c = configuration
            c.family = family
            fullFits.append(try LatencyFitter.fit(kept, configuration: c))
        }
        var excluded = Set(fullFits[0].rejected.map(\.index))
        for f in fullFits.dropFirst() { excluded.formIntersection(f.rejected.map(\.index)) }
        let scoredPositions = (0..<kept.count).filter { !excluded.contains($0) }
        let scored = kept.rows(scoredPositions)
        let groups = GroupedKFold.groups(of: scored)
        guard Set(groups).count >= splits else {
            throw .invalidConfiguration("\(Set(groups).count) distinct settings, fewer than the \(splits) folds")
        }
        let split = GroupedKFold(groups: groups, splits: splits)
        // 2. Cross-validation.
        var candidates: [Candidate] = []
        for (k, family) in families.enumerated() {
            var c = configuration
            c.family = family
            // Folds train without the gate, on the rows the family's full-data gate kept: rejections are decided
            // once, with all the evidence, not again on each smaller training set.
            c.rejection = nil
            let familyRejected = Set(fullFits[k].rejected.map(\.index))
            var total = 0.0
            var foldMAPEs: [Double] = []
            var errors = [Double](repeating: 0, count: scored.count)
            var failed = false
            for fold in split.folds {
                let train = fold.train.filter { !familyRejected.contains(scoredPositions[$0]) }
                guard let fit = try? LatencyFitter.fit(scored.rows(train), configuration: c) else {
                    failed = true
                    break
                }
                let test = scored.rows(fold.test)
                let predicted = fit.model.predictions(for: test)
                var sum = 0.0
                for i in 0..<test.count {
                    let e = abs(predicted[i] - test.latencies[i]) / test.latencies[i]
                    errors[fold.test[i]] = e
                    sum += e
                }
                total += sum
                foldMAPEs.append(sum / Double(test.count))
            }
            if failed && k == 0 {
                throw .invalidConfiguration("the \(family.rawValue) model could not be fitted on every fold")
            }
            candidates.append(
                Candidate(family: family, cvMAPE: failed ? .infinity : total / Double(scored.count),
                          foldMAPEs: failed ? [] : foldMAPEs, outOfFoldErrors: failed ? [] : errors,
                          fullFit: fullFits[k]))
        }
        // 3. Selection.
        var best = 0
        for k in 1..<candidates.count where candidates[k].cvMAPE.isFinite {
            let d = zip(candidates[best].foldMAPEs, candidates[k].foldMAPEs).map { $0 - $1 }
            let mean = d.reduce(0, +) / Double(d.count)
            let variance = d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(Swift.max(d.count - 1, 1))
            let standardError = (variance / Double(d.count)).squareRoot()
            if candidates[best].cvMAPE - candidates[k].cvMAPE > Swift.max(margin, standardError) { best = k }
        }
        self.candidates = candidates
        chosen = candidates[best].family
        let chosenFit = candidates[best].fullFit
        let residualByPosition = Dictionary(
            uniqueKeysWithValues: chosenFit.rejected.map { ($0.index, $0.relativeResidual) })
        let predicted = chosenFit.model.predictions(for: kept)
        rejected = excluded.sorted().map { p in
            FitReport.RejectedRow(
                index: original[p],
                relativeResidual: residualByPosition[p] ?? (predicted[p] - kept.latencies[p]) / kept.latencies[p])
        }
        scoredRows = scored.count
        scoredIndices = scoredPositions.map { original[$0] }
        self.groups = groups
        noiseFloor = NoiseFloor(latencies: scored.latencies, groups: groups)
        groupCount = split.groupCount
        self.splits = splits
    }

    /// One measured setting's part of a candidate's cross-validated error.
    public struct SettingError: Sendable, Equatable {
        /// Index (into the input table) of the setting's first scored row.
        public var firstIndex: Int
        /// Scored rows of the setting.
        public var rows: Int
        /// Mean out-of-fold relative error over the setting's rows.
        public var cvMAPE: Double
        /// Mean leave-one-out error of the setting's repeats (``NoiseFloor``); nil for a setting measured once.
        public var noiseFloor: Double?
        /// The setting's part of the candidate's summed out-of-fold error (0…1; the parts add up to 1).
        public var share: Double
    }

    /// `candidate`'s out-of-fold error by measured setting, largest share first (ties: first row first); empty when
    /// a fold could not be fitted.
    public func settingErrors(of candidate: Candidate) -> [SettingError] {
        guard candidate.outOfFoldErrors.count == scoredIndices.count else { return [] }
        let total = candidate.outOfFoldErrors.reduce(0, +)
        var order: [Int] = []
        var members: [Int: [Int]] = [:]
        for (position, g) in groups.enumerated() {
            if members[g] == nil { order.append(g) }
            members[g, default: []].append(position)
        }
        let settings = order.map { g -> SettingError in
            let positions = members[g]!
            let sum = positions.map { candidate.outOfFoldErrors[$0] }.reduce(0, +)
            let floors = positions.compactMap { noiseFloor.rowErrors[$0] }
            return SettingError(
                firstIndex: scoredIndices[positions[0]], rows: positions.count, cvMAPE: sum / Double(positions.count),
                noiseFloor: floors.isEmpty ? nil : floors.reduce(0, +) / Double(floors.count),
                share: total > 0 ? sum / total : 0)
        }
        return settings.enumerated().sorted {
            $0.element.share != $1.element.share ? $0.element.share > $1.element.share : $0.offset < $1.offset
        }.map(\.element)
    }
}
