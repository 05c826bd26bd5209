import ArgumentParser
import Foundation
import SaturnModel

/// `saturn eval FILE.csv...`: the saturation model (both losses) beside the linear and polynomial baselines.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Compare the saturation model (SSE and relative loss) with linear and polynomial baselines.")

    @Argument(help: "One or more CSV files with columns B, S, T_ms.")
    var files: [String]

    @Option(help: "Write residual SVG plots and the Markdown table (eval.md) into this directory.")
    var out: String?

    @Flag(help: "Print JSON instead of Markdown.")
    var json = false

    @Flag(
        help: ArgumentHelp(
            "Cross-validate the model family instead (base, kv, kvq; relative loss, robust gate): 5 folds grouped "
                + "by distinct (B, S, step_type, kv_tokens), the choice, and the rows rejected."))
    var cv = false

    @OptionGroup var table: OfflineTableOptions

    @OptionGroup var rejectionOptions: RejectionOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one CSV file") }
        if cv && out != nil { throw ValidationError("--out draws residual plots; it does not combine with --cv") }
    }

    func run() throws {
        if cv {
            print(try Self.crossValidationOutput(
                files: files.map { ($0, try table.load($0)) }, filter: table.filter,
                rejection: rejectionOptions.rejection, json: json))
            return
        }
        var evaluations: [(String, ModelEvaluation)] = []
        for file in files {
            let steps = try table.load(file)
            do {
                evaluations.append((file, try ModelEvaluation(table: steps, filter: table.filter)))
            } catch {
                throw CLIError("\(file): \(error.description)")
            }
        }
        let markdown = Self.markdown(evaluations)
        if let out {
            try Self.write(evaluations, markdown: markdown, to: out)
        }
        if json {
            print(try Format.encode(evaluations.map { EvalDocument(file: $0.0, evaluation: $0.1) }))
        } else {
            print(markdown)
        }
    }

    /// `--cv`: one JSON object per file (a single object for one file, else an array), or a Markdown table.
    static func crossValidationOutput(
        files: [(String, StepTable)], filter: RowFilter, rejection: OutlierRejection?, json: Bool
    ) throws -> String {
        let configuration = FitConfiguration(objective: .relative, filter: filter, rejection: rejection)
        var documents: [CrossValidationDocument] = []
        for (file, steps) in files {
            do {
                documents.append(
                    CrossValidationDocument(
                        file: file, table: steps,
                        selection: try FamilySelection(table: steps, configuration: configuration)))
            } catch {
                throw CLIError("\(file): \(error.description)")
            }
        }
        if json { return documents.count == 1 ? try Format.encode(documents[0]) : try Format.encode(documents) }
        var lines = [
            "| file | base | kv | kvq | chosen | chosen CV MAPE | noise floor | x floor | rows scored | rejected | groups |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for d in documents {
            let byName = Dictionary(uniqueKeysWithValues: d.models.map { ($0.name, $0) })
            lines.append("| \(URL(fileURLWithPath: d.file).lastPathComponent) | "
                + ["base", "kv", "kvq"].map { Format.percent(byName[$0]?.cv_mape) }.joined(separator: " | ")
                + " | \(d.chosen) | \(Format.percent(d.cv_mape)) | \(Format.percent(d.noise_floor)) | "
                + "\(Format.fixed(byName[d.chosen]?.floor_ratio, 1)) | \(d.rows_scored) | \(d.rejected.count) | \(d.groups) |")
        }
        lines.append("")
        lines.append("noise floor: mean leave-one-out error of the repeats of each setting (n/a: no setting repeated; "
            + "over \(documents.map { String($0.noise_floor_rows) }.joined(separator: ", ")) rows)")
        for d in documents {
            let parts = d.largest_error_settings.prefix(3).map { s in
                "row \(s.index) (B=\(Format.number(s.B)), S=\(Format.number(s.S)), \(s.rows) rows) "
                    + "\(Format.percent(s.share)) of the error, CV \(Format.percent(s.cv_mape)), "
                    + "floor \(Format.percent(s.noise_floor))"
            }
            lines.append("\(URL(fileURLWithPath: d.file).lastPathComponent), \(d.chosen): " + parts.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }

    static func markdown(_ evaluations: [(String, ModelEvaluation)]) -> String {
        var lines: [String] = []
        for (file, e) in evaluations {
            let name = URL(fileURLWithPath: file).lastPathComponent
            lines.append("### \(name)")
            lines.append("")
            lines.append("rows: \(e.filter.kept) used, \(e.filter.droppedTotal) dropped; extrapolation: "
                + "\(e.extrapolationTrainRows) train (B<=32, S<=1024) / \(e.extrapolationTestRows) test")
            lines.append("")
            lines.append("| model | R^2 | RMSE ms | MAE ms | mean rel err | p95 rel err | extrapolation mean rel err |")
            lines.append("|---|---|---|---|---|---|---|")
            for entry in e.entries {
                let m = entry.metrics
                lines.append("| \(entry.name) | \(Format.fixed(m.r2, 4)) | \(Format.fixed(m.rmse)) | "
                    + "\(Format.fixed(m.mae)) | \(Format.percent(m.meanRelativeError)) | "
                    + "\(Format.percent(m.p95RelativeError)) | \(Format.percent(entry.extrapolationMeanRelativeError)) |")
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    static func write(_ evaluations: [(String, ModelEvaluation)], markdown: String, to directory: String) throws {
        let dir = URL(fileURLWithPath: directory)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (file, e) in evaluations {
                let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                for entry in e.entries {
                    let plot = ResidualPlot(title: "\(stem): \(entry.name) residuals", analysis: entry.residuals)
                    try plot.svg.write(to: dir.appendingPathComponent("\(stem)_\(entry.name)_residuals.svg"),
                                       atomically: true, encoding: .utf8)
                }
            }
            try markdown.write(to: dir.appendingPathComponent("eval.md"), atomically: true, encoding: .utf8)
        } catch {
            throw CLIError("\(directory): cannot write output (\(error.localizedDescription))")
        }
    }
}

/// JSON shape of `saturn eval --json`, one per file.
struct EvalDocument: Encodable {
    struct Model: Encodable {
        var name: String
        var r2: Double?
        var rmse_ms: Double?
        var mae_ms: Double?
        var mape: Double?
        var p95_rel_error: Double?
        var extrapolation_mape: Double?
        var parameters: [String: Double]?
    }
    var file: String
    var rows_used: Int
    var rows_dropped: Int
    var extrapolation_train_rows: Int
    var extrapolation_test_rows: Int
    var models: [Model]

    init(file: String, evaluation e: ModelEvaluation) {
        self.file = file
        rows_used = e.filter.kept
        rows_dropped = e.filter.droppedTotal
        extrapolation_train_rows = e.extrapolationTrainRows
        extrapolation_test_rows = e.extrapolationTestRows
        models = e.entries.map { entry in
            var params: [String: Double]? = nil
            if let p = entry.parameters {
                var d: [String: Double] = [:]
                for n in LatencyParameters.Name.allCases { d[n.rawValue] = p[n] }
                params = d
            }
            return Model(
                name: entry.name, r2: Format.json(entry.metrics.r2), rmse_ms: Format.json(entry.metrics.rmse),
                mae_ms: Format.json(entry.metrics.mae), mape: Format.json(entry.metrics.meanRelativeError),
                p95_rel_error: Format.json(entry.metrics.p95RelativeError),
                extrapolation_mape: entry.extrapolationMeanRelativeError.flatMap(Format.json), parameters: params)
        }
    }
}

/// JSON shape of `saturn eval --cv --json` (one per file) and of `selection` in `saturn fit --model auto --json`.
struct CrossValidationDocument: Encodable {
    struct Model: Encodable {
        var name: String
        /// Cross-validated mean relative error (fraction); null when a fold could not be fitted.
        var cv_mape: Double?
        var fold_mape: [Double]
        /// Rows this model's full-data fit rejected.
        var rejected_rows: Int
        /// `cv_mape / noise_floor`; null when there is no floor (or it is zero) or no cv_mape.
        var floor_ratio: Double?
        /// Each scored row's out-of-fold relative error, in the order of `scored_indices`; empty when a fold could
        /// not be fitted.
        var out_of_fold_errors: [Double]
    }
    /// One measured setting's part of the chosen model's out-of-fold error.
    struct Setting: Encodable {
        /// 0-based data row of the setting's first scored row.
        var index: Int
        var B: Double
        var S: Double
        var rows: Int
        var cv_mape: Double?
        /// The setting's mean leave-one-out error; null when it was measured once.
        var noise_floor: Double?
        /// Part of the chosen model's summed out-of-fold error (fraction).
        var share: Double?
    }
    struct Rejected: Encodable {
        /// 0-based data row (the header not counted).
        var index: Int
        var relative_residual: Double?
    }
    var file: String
    var models: [Model]
    var chosen: String
    var cv_mape: Double?
    var rule: String
    var folds: Int
    var groups: Int
    var rows_scored: Int
    /// 0-based data rows scored, ascending.
    var scored_indices: [Int]
    var rejected: [Rejected]
    /// Mean leave-one-out relative error of the repeats of each setting (``NoiseFloor``) over the scored rows;
    /// null when no setting is repeated.
    var noise_floor: Double?
    /// Scored rows in settings with repeats (those `noise_floor` is over).
    var noise_floor_rows: Int
    /// The chosen model's five settings with the largest part of its out-of-fold error.
    var largest_error_settings: [Setting]

    /// Settings listed in `largest_error_settings`.
    static let listedSettings = 5

    init(file: String, table: StepTable, selection s: FamilySelection) {
        self.file = file
        models = s.candidates.map {
            Model(name: $0.family.rawValue, cv_mape: Format.json($0.cvMAPE), fold_mape: $0.foldMAPEs,
                  rejected_rows: $0.fullFit.rejected.count,
                  floor_ratio: $0.cvMAPE.isFinite ? s.noiseFloor.ratio($0.cvMAPE).flatMap(Format.json) : nil,
                  out_of_fold_errors: $0.outOfFoldErrors)
        }
        scored_indices = s.scoredIndices
        noise_floor = s.noiseFloor.meanRelativeError
        noise_floor_rows = s.noiseFloor.rows
        largest_error_settings = s.settingErrors(of: s.chosenCandidate).prefix(Self.listedSettings).map {
            Setting(index: $0.firstIndex, B: table.batchSizes[$0.firstIndex], S: table.tokens[$0.firstIndex],
                    rows: $0.rows, cv_mape: Format.json($0.cvMAPE), noise_floor: $0.noiseFloor,
                    share: Format.json($0.share))
        }
        chosen = s.chosen.rawValue
        cv_mape = Format.json(s.chosenCandidate.cvMAPE)
        rule = "a richer model is chosen when its CV MAPE is lower by more than max(0.1 pt, one standard error of "
            + "the per-fold differences); rows every model's robust gate rejects are not scored"
        folds = s.splits
        groups = s.groupCount
        rows_scored = s.scoredRows
        rejected = s.rejected.map { Rejected(index: $0.index, relative_residual: Format.json($0.relativeResidual)) }
    }
}
