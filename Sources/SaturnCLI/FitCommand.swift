import ArgumentParser
import Foundation
import SaturnModel
import SaturnNumerics

/// `saturn fit FILE.csv`: fits the latency model to one table.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit the latency model to a CSV of steps (columns B, S, T_ms; kv_tokens, step_type, prefill "
            + "columns for the kv and kvq models).")

    enum LossName: String, ExpressibleByArgument, CaseIterable {
        case sse
        case relative
    }

    /// `--model`: a family member, or `auto` (chosen by grouped cross-validation).
    enum ModelChoice: String, ExpressibleByArgument, CaseIterable {
        case base
        case kv
        case kvq
        case auto

        var family: ModelFamily? { ModelFamily(rawValue: rawValue) }
    }

    @Argument(help: "CSV file with columns B, S, T_ms.")
    var file: String

    @Option(help: "Loss: sse (sum of squared errors) or relative (squared relative errors).")
    var loss: LossName = .relative

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @OptionGroup var table: OfflineTableOptions

    @Option(
        help: ArgumentHelp(
            "Model: base (8 parameters), kv (+ tau_K x kv_tokens), kvq (+ tau_Q x sum of prefill chunk^2), or auto "
                + "(chosen by 5-fold cross-validation grouped by measured setting)."))
    var model: ModelChoice = .base

    @OptionGroup var rejectionOptions: RejectionOptions

    func run() throws {
        let steps = try table.load(file)
        let output = try Self.fitOutput(
            steps: steps, loss: loss, filter: table.filter, json: json, name: file, model: model,
            rejection: rejectionOptions.rejection)
        print(output)
    }

    /// The fit and its rendering (testable without a process).
    static func fitOutput(
        steps: StepTable, loss: LossName, filter: RowFilter, json: Bool, name: String,
        model: ModelChoice = .base, rejection: OutlierRejection? = OutlierRejection()
    ) throws -> String {
        var config = FitConfiguration(
            objective: loss == .sse ? .sumOfSquares : .relative, filter: filter, rejection: rejection)
        let clock = ContinuousClock()
        let start = clock.now
        let report: FitReport
        var selection: FamilySelection? = nil
        do {
            if let family = model.family {
                config.family = family
                report = try LatencyFitter.fit(steps, configuration: config)
            } else {
                let s = try FamilySelection(table: steps, configuration: config)
                selection = s
                report = s.chosenCandidate.fullFit
            }
        } catch {
            throw CLIError("\(name): \(error.description)")
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let filtered = filter.apply(to: steps)
        let removed = Set(filtered.report.removedIndices)
        let rejected = Set(report.rejected.map(\.index))
        let used = steps.rows((0..<steps.count).filter { !removed.contains($0) && !rejected.contains($0) })
        let metrics = QualityMetrics(report.model, on: used)
        let residuals = ResidualAnalysis(report.model, on: used)
        var document = FitDocument(report: report, metrics: metrics, residuals: residuals, seconds: seconds,
                                   loss: loss.rawValue)
        if let selection { document.selection = CrossValidationDocument(file: name, table: steps, selection: selection) }
        if json { return try Format.encode(document) }
        return document.text(name: name)
    }
}

/// The JSON shape of `saturn fit --json`.
struct FitDocument: Encodable {
    struct Metrics: Encodable {
        var r2: Double?
        var rmse_ms: Double?
        var mae_ms: Double?
        var mape: Double?
        var p50_rel_error: Double?
        var p95_rel_error: Double?
        var p99_rel_error: Double?
    }
    struct Rows: Encodable {
        var used: Int
        var dropped: Int
        var dropped_by_reason: [String: Int]
        var rejected: Int
    }
    struct Rejected: Encodable {
        /// 0-based data row (the header not counted).
        var index: Int
        var relative_residual: Double?
    }
    struct Fit: Encodable {
        var iterations: Int
        var converged: Bool
        var reason: String
        var seconds: Double
        var loss: String
        var evaluations: Int
        var jacobian_evaluations: Int
        var starts: Int
        var best_start: String
        var active_bounds: [String: String]
        var sse: Double
    }
    struct Residuals: Encodable {
        var shapiro_w: Double?
        var shapiro_p: Double?
        var shapiro_warning: String?
    }

    var parameters: [String: Double]
    var model: String
    var rejected: [Rejected]
    var selection: CrossValidationDocument?
    var metrics: Metrics
    var rows: Rows
    var fit: Fit
    var residuals: Residuals
    var notes: [String]

    init(report: FitReport, metrics m: QualityMetrics, residuals r: ResidualAnalysis, seconds: Double, loss: String) {
        var p: [String: Double] = [:]
        for name in LatencyParameters.Name.allCases { p[name.rawValue] = report.parameters[name] }
        for term in report.family.terms { p[term.parameterName] = report.model[term] }
        parameters = p
        model = report.family.rawValue
        rejected = report.rejected.map { Rejected(index: $0.index, relative_residual: Format.json($0.relativeResidual)) }
        metrics = Metrics(
            r2: Format.json(m.r2), rmse_ms: Format.json(m.rmse), mae_ms: Format.json(m.mae),
            mape: Format.json(m.meanRelativeError), p50_rel_error: Format.json(m.p50RelativeError),
            p95_rel_error: Format.json(m.p95RelativeError), p99_rel_error: Format.json(m.p99RelativeError))
        var reasons: [String: Int] = [:]
        for (k, v) in report.filter.dropped where v > 0 { reasons[k.rawValue] = v }
        rows = Rows(
            used: report.rowsUsed, dropped: report.filter.droppedTotal, dropped_by_reason: reasons,
            rejected: report.rejected.count)
        var active: [String: String] = [:]
        for (k, v) in report.activeBounds { active[k.rawValue] = v.rawValue }
        for term in report.activeTerms { active[term.parameterName] = FitReport.BoundSide.lower.rawValue }
        fit = Fit(
            iterations: report.iterations, converged: report.isConverged, reason: report.termination.rawValue,
            seconds: seconds, loss: loss, evaluations: report.evaluationCount,
            jacobian_evaluations: report.jacobianEvaluationCount, starts: report.startCount,
            best_start: report.bestStart, active_bounds: active, sse: report.sumOfSquaredResiduals)
        residuals = Residuals(
            shapiro_w: r.shapiroWilk.map(\.statistic), shapiro_p: r.shapiroWilk.map(\.pValue),
            shapiro_warning: r.shapiroWilk?.warning)
        notes = ["P_max is not identifiable: only w_0/P_max and w_1/P_max are determined by data; compare predictions."]
    }

    func text(name: String) -> String {
        var lines: [String] = []
        lines.append("saturn fit \(name)  (loss: \(fit.loss), model: \(model))")
        var dropText = "\(rows.dropped) dropped"
        if !rows.dropped_by_reason.isEmpty {
            dropText += " (" + rows.dropped_by_reason.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
                .joined(separator: ", ") + ")"
        }
        lines.append("rows: \(rows.used) used, \(dropText), \(rows.rejected) rejected by the robust gate")
        if !rejected.isEmpty {
            lines.append("rejected rows (0-based data row: relative residual): "
                + rejected.map { "\($0.index): \(Format.percent($0.relative_residual))" }.joined(separator: ", "))
        }
        if let selection {
            lines.append("cross-validated MAPE: " + selection.models.map { "\($0.name) \(Format.percent($0.cv_mape))" }
                .joined(separator: ", ") + "; chosen: \(selection.chosen); noise floor "
                + "\(Format.percent(selection.noise_floor)) over \(selection.noise_floor_rows) rows")
        }
        lines.append("")
        lines.append("parameter        value")
        for n in LatencyParameters.Name.allCases {
            var line = n.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                + Format.number(parameters[n.rawValue]!, digits: 8).leftPadded(to: 15)
            if n == .pMax { line += "   (not identifiable: held, predictions do not depend on it)" }
            if let side = fit.active_bounds[n.rawValue] { line += "   [at \(side) bound]" }
            lines.append(line)
        }
        for term in ModelFamily(rawValue: model)?.terms ?? [] {
            var line = term.parameterName.padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                + Format.number(parameters[term.parameterName]!, digits: 8).leftPadded(to: 15)
            if let side = fit.active_bounds[term.parameterName] { line += "   [at \(side) bound]" }
            lines.append(line)
        }
        lines.append("")
        lines.append("R^2 \(Format.fixed(metrics.r2, 5))   RMSE \(Format.fixed(metrics.rmse_ms)) ms   "
            + "MAE \(Format.fixed(metrics.mae_ms)) ms")
        lines.append("relative error: mean \(Format.percent(metrics.mape))   p50 \(Format.percent(metrics.p50_rel_error))"
            + "   p95 \(Format.percent(metrics.p95_rel_error))   p99 \(Format.percent(metrics.p99_rel_error))")
        if let w = residuals.shapiro_w, let p = residuals.shapiro_p {
            lines.append("residuals: Shapiro-Wilk W \(Format.number(w, digits: 5)), p \(Format.number(p, digits: 4))")
        }
        lines.append("fit: \(fit.converged ? "converged" : "NOT converged") (\(fit.reason)), \(fit.iterations) iterations, "
            + "\(fit.evaluations) evaluations over \(fit.starts) starts (best: \(fit.best_start)), "
            + "\(Format.fixed(fit.seconds * 1000, 1)) ms")
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
