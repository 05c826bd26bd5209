import Foundation
import SaturnModel

/// Paths inside this repository, derived from this file's location: the tests read nothing outside it.
public enum Repository {
    /// The repository root.
    public static var root: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // SaturnTestKit
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // repository
    }

    /// `data/`: the real step tables and the conversation trace.
    public static var dataDirectory: URL { root.appendingPathComponent("data") }

    /// `Tests/Fixtures/golden/`: the golden vectors.
    public static var goldenDirectory: URL {
        root.appendingPathComponent("Tests").appendingPathComponent("Fixtures").appendingPathComponent("golden")
    }

    /// `data/<name>`.
    public static func dataFile(_ name: String) -> URL { dataDirectory.appendingPathComponent(name) }

    /// Every `steps_*.csv` table in `directory` (by default `data/`), sorted by name.
    /// - Throws: ``GoldenError/missing(_:)`` when the directory does not exist or holds no table, so that a test
    ///   looping over the tables cannot pass having checked none.
    public static func stepTables(in directory: URL = dataDirectory) throws -> [URL] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw GoldenError.missing("step table directory \(directory.path)")
        }
        let tables = names.filter { $0.hasPrefix("steps_") && $0.hasSuffix(".csv") }.sorted()
        guard !tables.isEmpty else { throw GoldenError.missing("steps_*.csv tables in \(directory.path)") }
        return tables.map { directory.appendingPathComponent($0) }
    }
}

/// A loosely typed view of a golden JSON file (`Tests/Fixtures/golden/<name>.json`).
///
/// Loading is strict, so that a golden test fails rather than skips or checks nothing: a missing file, an empty
/// file, a file that is not a JSON object, a missing case list and an empty case list all throw a
/// ``GoldenError`` naming the file.
public struct Golden: @unchecked Sendable {
    // @unchecked: wraps immutable Foundation JSON values that are never mutated after loading.
    /// The file name without `.json`.
    public let name: String
    /// The top-level object.
    public let root: [String: Any]

    /// Loads `<directory>/<name>.json` (by default from `Tests/Fixtures/golden/`).
    /// - Throws: ``GoldenError/missing(_:)``, ``GoldenError/empty(_:)`` or ``GoldenError/malformed(_:)``.
    public init(_ name: String, in directory: URL = Repository.goldenDirectory) throws {
        let url = directory.appendingPathComponent("\(name).json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw GoldenError.missing("golden file \(url.path)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw GoldenError.malformed("\(url.path): cannot be read (\(error))")
        }
        guard !data.isEmpty else { throw GoldenError.empty(url.path) }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw GoldenError.malformed("\(url.path): not JSON (\(error))")
        }
        guard let dictionary = object as? [String: Any] else {
            throw GoldenError.malformed("\(url.path): the top level is not a JSON object")
        }
        self.name = name
        root = dictionary
    }

    /// The non-empty array of objects at `key`.
    /// - Throws: ``GoldenError/missingCases(file:key:)`` when there is no such key, ``GoldenError/malformed(_:)``
    ///   when it is not an array of objects, ``GoldenError/noCases(file:key:)`` when the array is empty.
    public func cases(_ key: String = "cases") throws -> [GoldenCase] {
        guard let value = root[key] else { throw GoldenError.missingCases(file: name, key: key) }
        guard let objects = value as? [[String: Any]] else {
            throw GoldenError.malformed("\(name): '\(key)' is not an array of objects")
        }
        guard !objects.isEmpty else { throw GoldenError.noCases(file: name, key: key) }
        return objects.map { GoldenCase($0, file: name) }
    }
}

/// Errors reading golden files and test data; each names the file.
public enum GoldenError: Error, Equatable, CustomStringConvertible {
    /// A file or directory that does not exist (what was looked for).
    case missing(String)
    /// A file of zero bytes (its path).
    case empty(String)
    /// A file that cannot be read as expected (path and reason).
    case malformed(String)
    /// A golden file without the case list a test reads.
    case missingCases(file: String, key: String)
    /// A golden file whose case list is empty: a test over it would check nothing.
    case noCases(file: String, key: String)
    /// A case without a field a test reads.
    case missingField(file: String, caseID: String, key: String)

    public var description: String {
        switch self {
        case .missing(let what): "missing: \(what)"
        case .empty(let path): "golden file \(path) is empty"
        case .malformed(let detail): "malformed golden file: \(detail)"
        case .missingCases(let file, let key): "golden file \(file).json has no '\(key)' list"
        case .noCases(let file, let key): "golden file \(file).json: '\(key)' is empty, so a test would check nothing"
        case .missingField(let file, let id, let key): "golden file \(file).json, case \(id): no '\(key)'"
        }
    }
}

/// One object of a golden file with typed accessors (numbers are decoded as `Double`).
///
/// Scalars are optional (`null` is meaningful in the golden files); arrays and objects throw
/// ``GoldenError/missingField(file:caseID:key:)`` when absent, so a loop over them cannot silently run zero times.
public struct GoldenCase: @unchecked Sendable {
    // @unchecked: immutable JSON values.
    public let values: [String: Any]
    /// The file the case comes from (for error messages).
    public let file: String

    public init(_ values: [String: Any], file: String = "?") {
        self.values = values
        self.file = file
    }

    public var id: String { values["id"] as? String ?? "?" }

    public func double(_ key: String) -> Double? { (values[key] as? NSNumber)?.doubleValue }
    public func int(_ key: String) -> Int? { (values[key] as? NSNumber)?.intValue }
    public func string(_ key: String) -> String? { values[key] as? String }
    public func bool(_ key: String) -> Bool? { (values[key] as? NSNumber)?.boolValue }
    public func isNull(_ key: String) -> Bool { values[key] is NSNull || values[key] == nil }

    private func missing(_ key: String) -> GoldenError { .missingField(file: file, caseID: id, key: key) }

    private func number(_ value: Any, _ key: String) throws -> Double {
        guard let n = value as? NSNumber else {
            throw GoldenError.malformed("\(file), case \(id): '\(key)' holds \(value)")
        }
        return n.doubleValue
    }

    /// The array of numbers at `key`.
    public func doubles(_ key: String) throws -> [Double] {
        guard let array = values[key] as? [Any] else { throw missing(key) }
        return try array.map { try number($0, key) }
    }

    /// The array of strings at `key`.
    public func strings(_ key: String) throws -> [String] {
        guard let array = values[key] as? [Any] else { throw missing(key) }
        return try array.map {
            guard let s = $0 as? String else {
                throw GoldenError.malformed("\(file), case \(id): '\(key)' holds \($0)")
            }
            return s
        }
    }

    /// The array of arrays of numbers at `key`.
    public func matrix(_ key: String) throws -> [[Double]] {
        guard let rows = values[key] as? [[Any]] else { throw missing(key) }
        return try rows.map { row in try row.map { try number($0, key) } }
    }

    /// The object at `key`.
    public func object(_ key: String) throws -> GoldenCase {
        guard let object = values[key] as? [String: Any] else { throw missing(key) }
        return GoldenCase(object, file: file)
    }

    /// The array of objects at `key` (possibly empty: check its count).
    public func objects(_ key: String) throws -> [GoldenCase] {
        guard let array = values[key] as? [[String: Any]] else { throw missing(key) }
        return array.map { GoldenCase($0, file: file) }
    }

    /// `theta` arrays as parameters.
    public func parameters(_ key: String) throws -> LatencyParameters {
        let v = try doubles(key)
        guard v.count == LatencyParameters.Name.allCases.count else {
            throw GoldenError.malformed("\(file), case \(id): '\(key)' has \(v.count) values")
        }
        return LatencyParameters(vector: v)
    }

    /// A `{B, S, T}` object as a table.
    public func table(_ key: String = "data") throws -> StepTable {
        let d = try object(key)
        return StepTable(batchSizes: try d.doubles("B"), tokens: try d.doubles("S"), latencies: try d.doubles("T"))
    }
}

/// Relative closeness `|got − expected| ≤ rel·|expected|` (or `≤ abs` when given and larger).
public func isClose(_ got: Double, _ expected: Double, rel: Double, abs absTol: Double = 0) -> Bool {
    if got == expected { return true }
    return Swift.abs(got - expected) <= Swift.max(rel * Swift.abs(expected), absTol)
}
