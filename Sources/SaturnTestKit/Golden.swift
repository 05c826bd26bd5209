import Foundation
import SaturnModel

/// Reads the shared reference material in place: `../shared` beside the repository (CI has the same layout),
/// or the directory named by the `SATURN_SHARED` environment variable.
public enum Shared {
    /// The `shared/` directory.
    public static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["SATURN_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// The repository root (derived from this file's location).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // SaturnTestKit
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // repo
    }

    /// `shared/data/<name>`.
    public static func dataFile(_ name: String) -> URL {
        directory.appendingPathComponent("data").appendingPathComponent(name)
    }

    /// Every `steps_*.csv` table in `shared/data`, sorted by name.
    public static func stepTables() throws -> [URL] {
        let dir = directory.appendingPathComponent("data")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasPrefix("steps_") && $0.hasSuffix(".csv") }
            .sorted()
            .map { dir.appendingPathComponent($0) }
    }
}

/// A loosely typed view of a golden JSON file (`shared/golden/<name>.json`).
public struct Golden: @unchecked Sendable {
    // @unchecked: wraps immutable Foundation JSON values that are never mutated after loading.
    public let root: [String: Any]

    /// Loads `shared/golden/<name>.json`.
    public init(_ name: String) throws {
        let url = Shared.directory.appendingPathComponent("golden").appendingPathComponent("\(name).json")
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw GoldenError.malformed(name)
        }
        root = object
    }

    /// The array of objects at `key`.
    public func cases(_ key: String = "cases") -> [GoldenCase] {
        (root[key] as? [[String: Any]] ?? []).map(GoldenCase.init)
    }
}

/// Errors reading golden files.
public enum GoldenError: Error {
    case malformed(String)
    case missing(String)
}

/// One object of a golden file with typed accessors (numbers are decoded as `Double`).
public struct GoldenCase: @unchecked Sendable {
    // @unchecked: immutable JSON values.
    public let values: [String: Any]

    public init(_ values: [String: Any]) { self.values = values }

    public var id: String { values["id"] as? String ?? "?" }

    public func double(_ key: String) -> Double? { (values[key] as? NSNumber)?.doubleValue }
    public func int(_ key: String) -> Int? { (values[key] as? NSNumber)?.intValue }
    public func string(_ key: String) -> String? { values[key] as? String }
    public func bool(_ key: String) -> Bool? { (values[key] as? NSNumber)?.boolValue }
    public func isNull(_ key: String) -> Bool { values[key] is NSNull || values[key] == nil }
    public func doubles(_ key: String) -> [Double] {
        (values[key] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
    }
    public func matrix(_ key: String) -> [[Double]] {
        (values[key] as? [[Any]] ?? []).map { row in row.map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
    }
    public func object(_ key: String) -> GoldenCase? { (values[key] as? [String: Any]).map(GoldenCase.init) }
    public func objects(_ key: String) -> [GoldenCase] { (values[key] as? [[String: Any]] ?? []).map(GoldenCase.init) }

    /// `theta` arrays as parameters.
    public func parameters(_ key: String) -> LatencyParameters { LatencyParameters(vector: doubles(key)) }

    /// A `{B, S, T}` object as a table.
    public func table(_ key: String = "data") -> StepTable {
        let d = object(key)!
        return StepTable(batchSizes: d.doubles("B"), tokens: d.doubles("S"), latencies: d.doubles("T"))
    }
}

/// Relative closeness `|got − expected| ≤ rel·|expected|` (or `≤ abs` when given and larger).
public func isClose(_ got: Double, _ expected: Double, rel: Double, abs absTol: Double = 0) -> Bool {
    if got == expected { return true }
    return Swift.abs(got - expected) <= Swift.max(rel * Swift.abs(expected), absTol)
}
