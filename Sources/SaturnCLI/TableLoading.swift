import ArgumentParser
import Foundation
import SaturnModel

/// The default upper end of a command's latency window (`--max-ms`).
protocol LatencyWindowDefault {
    /// Exclusive upper end (ms); `.infinity` for none.
    static var maximumLatency: Double { get }
}

/// `saturn fit` and `saturn eval`: no upper end. Long steps (large prefills, seconds) are what a router asks about
/// for big batches, and they are the evidence the robust gate needs against impossible rows; stalls are the gate's
/// job, not the window's (README, "Out-of-sample accuracy", measured on every table in data/).
enum OfflineWindow: LatencyWindowDefault {
    static let maximumLatency = Double.infinity
}

/// `saturn plan --table` and `saturn experiment`: the agent's window (``RowFilter``'s default, 500 ms), so that
/// what they fit is what the agent would fit.
enum AgentWindow: LatencyWindowDefault {
    static let maximumLatency = RowFilter().maximumLatency
}

/// Options of the commands that fit the agent's way (`plan`, `experiment`).
typealias TableOptions = WindowedTableOptions<AgentWindow>

/// Options of the offline fit (`fit`, `eval`).
typealias OfflineTableOptions = WindowedTableOptions<OfflineWindow>

/// Options shared by the commands that read step CSV files; `Window` gives the default of `--max-ms`.
struct WindowedTableOptions<Window: LatencyWindowDefault>: ParsableArguments {
    @Option(name: .customLong("min-ms"), help: "Exclusive lower end of the latency window (ms).")
    var minimumLatency: Double = 0.1

    @Option(
        name: .customLong("max-ms"),
        help: "Exclusive upper end of the latency window (ms); inf for none.")
    var maximumLatency: Double = Window.maximumLatency

    @Flag(
        name: .customLong("drop-invalid"),
        help: "Drop rows with NaN, infinite, zero or negative B, S or T_ms (counted by reason) instead of failing.")
    var dropInvalid = false

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp("Keep only rows whose COLUMN equals VALUE (repeatable).", valueName: "COLUMN=VALUE"))
    var conditions: [String] = []

    func validate() throws {
        guard minimumLatency.isFinite, !maximumLatency.isNaN, minimumLatency >= 0, minimumLatency < maximumLatency
        else {
            throw ValidationError("--min-ms must be >= 0 and below --max-ms")
        }
        for c in conditions where !c.contains("=") {
            throw ValidationError("--where takes COLUMN=VALUE, got '\(c)'")
        }
    }

    var filter: RowFilter { RowFilter(minimumLatency: minimumLatency, maximumLatency: maximumLatency) }

    var parsedConditions: [(String, String)] {
        conditions.map { c in
            let parts = c.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }

    /// Reads and parses `path` (as bytes, see ``StepCSV/parse(utf8:invalidValues:where:)``), turning every problem
    /// into a one-line ``CLIError``.
    func load(_ path: String) throws -> StepTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): cannot read file")
        }
        let invalidValues: StepCSV.InvalidValues = dropInvalid ? .keepForFilter : .reject
        let conditions = parsedConditions
        let result = data.withUnsafeBytes { raw in
            Result { () throws(StepCSV.ParseError) in
                try StepCSV.parse(utf8: raw.bindMemory(to: UInt8.self), invalidValues: invalidValues, where: conditions)
            }
        }
        switch result {
        case .success(let table): return table
        case .failure(let error): throw CLIError("\(path): \(error.description)")
        }
    }
}

/// Formatting helpers.
enum Format {
    static func number(_ v: Double, digits: Int = 6) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        return String(format: "%.\(digits)g", v)
    }

    static func percent(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "n/a" }
        return String(format: "%.2f%%", v * 100)
    }

    static func fixed(_ v: Double?, _ digits: Int = 3) -> String {
        guard let v, v.isFinite else { return "n/a" }
        return String(format: "%.\(digits)f", v)
    }

    /// JSON-safe number: nil for NaN or infinity.
    static func json(_ v: Double) -> Double? { v.isFinite ? v : nil }

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
