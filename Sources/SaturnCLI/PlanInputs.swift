import Foundation
import SaturnModel
import SaturnSimulator
import SaturnWire

/// The latency model `saturn plan` answers with: a parameter file, or a step table fitted on the fly.
struct PlanModel {
    /// The parameters.
    var parameters: LatencyParameters
    /// The fit's p95 relative error when known (a fit JSON's `metrics.p95_rel_error`, or the on-the-fly fit's).
    var p95RelativeError: Double?
    /// Where they came from, for the output.
    var origin: String
    /// The steps they were fitted on (after the row filter), when fitted on the fly: what `--margin observed` reads.
    var steps: StepTable? = nil

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
        return PlanModel(
            parameters: report.parameters, p95RelativeError: metrics.p95RelativeError, origin: "fit of \(path)",
            steps: kept)
    }
}

/// A request trace (`arrival_s,input_tokens,output_tokens`, the layout of `data/trace_*.csv`) summarised as a
/// ``Workload`` and its mean arrival rate.
struct PlanTrace {
    var workload: Workload
    /// Requests per second over the trace's span.
    var rate: Double
    var requests: Int

    /// Reads the trace with the simulator's loader (`RequestTrace`), so that `saturn plan` and `saturn simulate`
    /// see the same requests and the same rate.
    static func read(_ path: String, quantile: Double) throws -> PlanTrace {
        let trace: RequestTrace
        do {
            trace = try RequestTrace.load(path)
        } catch {
            throw CLIError(error.description)
        }
        let prompts = trace.requests.map { Double(max($0.inputTokens, 1)) }
        let outputs = trace.requests.map { Double(max($0.outputTokens, 1)) }
        guard prompts.count >= 2, let w = Workload(promptTokens: prompts, outputTokens: outputs, quantile: quantile) else {
            throw CLIError("\(path): needs at least two requests")
        }
        guard let rate = trace.requestRate else { throw CLIError("\(path): arrivals span no time") }
        return PlanTrace(workload: w, rate: rate, requests: prompts.count)
    }
}
