import Foundation
import SaturnModel
import SaturnWire

/// The latency model `saturn plan` answers with: a parameter file, or a step table fitted on the fly.
struct PlanModel {
    /// The parameters.
    var parameters: LatencyParameters
    /// The fit's p95 relative error when known (a fit JSON's `metrics.p95_rel_error`, or the on-the-fly fit's).
    var p95RelativeError: Double?
    /// Where they came from, for the output.
    var origin: String

    /// Reads a parameter file: the JSON of `saturn fit --json` (its `parameters` object, and `metrics.p95_rel_error`
    /// when present) or a bare object of the eight parameters (`P_max`, `k_B`, `k_S`, `w_0`, `w_1`, `tau_0`,
    /// `tau_B`, `tau_S`).
    static func read(parameterFile path: String) throws -> PlanModel {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("\(path): cannot read file") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CLIError("\(path): not a JSON object")
        }
        let values = object["parameters"] as? [String: Any] ?? object
        var vector: [Double] = []
        for name in LatencyParameters.Name.allCases {
            guard let v = (values[name.rawValue] as? NSNumber)?.doubleValue, v.isFinite else {
                throw CLIError("\(path): no finite '\(name.rawValue)' (expected `saturn fit --json` output or the 8 parameters)")
            }
            vector.append(v)
        }
        let p = LatencyParameters(vector: vector)
        guard p.isWithin(.physical) else { throw CLIError("\(path): parameters outside the physical bounds: \(p)") }
        let p95 = ((object["metrics"] as? [String: Any])?["p95_rel_error"] as? NSNumber)?.doubleValue
        return PlanModel(parameters: p, p95RelativeError: p95, origin: path)
    }

    /// Fits `table` with the relative loss (as `saturn fit` does by default).
    static func fit(table path: String, options: TableOptions) throws -> PlanModel {
        let steps = try options.load(path)
        let report: FitReport
        do {
            report = try LatencyFitter.fit(steps, configuration: FitConfiguration(objective: .relative, filter: options.filter))
        } catch {
            throw CLIError("\(path): \(error.description)")
        }
        let kept = options.filter.apply(to: steps).kept
        let metrics = QualityMetrics(report.parameters, on: kept)
        return PlanModel(parameters: report.parameters, p95RelativeError: metrics.p95RelativeError, origin: "fit of \(path)")
    }
}

/// A request trace (`arrival_s,input_tokens,output_tokens`, the layout of `data/trace_*.csv`) summarised as a
/// ``Workload`` and its mean arrival rate.
struct PlanTrace {
    var workload: Workload
    /// Requests per second over the trace's span.
    var rate: Double
    var requests: Int

    static func read(_ path: String, quantile: Double) throws -> PlanTrace {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("\(path): cannot read file") }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let header = lines.first else { throw CLIError("\(path): empty file") }
        let columns = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let a = columns.firstIndex(of: "arrival_s"), let i = columns.firstIndex(of: "input_tokens"),
            let o = columns.firstIndex(of: "output_tokens")
        else { throw CLIError("\(path): expected columns arrival_s, input_tokens, output_tokens") }
        var arrivals: [Double] = []
        var prompts: [Double] = []
        var outputs: [Double] = []
        for (n, line) in lines.dropFirst().enumerated() where !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > max(a, i, o), let t = Double(fields[a]), let p = Double(fields[i]),
                let q = Double(fields[o]), t.isFinite, p.isFinite, q.isFinite
            else { throw CLIError("\(path): line \(n + 2) is not three numbers") }
            arrivals.append(t)
            prompts.append(max(p, 1))
            outputs.append(max(q, 1))
        }
        guard prompts.count >= 2, let w = Workload(promptTokens: prompts, outputTokens: outputs, quantile: quantile) else {
            throw CLIError("\(path): needs at least two requests")
        }
        let span = (arrivals.max() ?? 0) - (arrivals.min() ?? 0)
        guard span > 0 else { throw CLIError("\(path): arrivals span no time") }
        return PlanTrace(workload: w, rate: Double(prompts.count) / span, requests: prompts.count)
    }
}
