/// Reads step tables from CSV text: a header naming at least the columns `B`, `S` and `T_ms` (any order, extra
/// columns ignored), then one row per step. Double-quoted fields are supported; blank lines are skipped.
public enum StepCSV {
    /// A problem with the CSV, naming the 1-based line.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        /// 1-based line number (0 for whole-file problems).
        public var line: Int
        public var message: String
        public var description: String { line > 0 ? "line \(line): \(message)" : message }
    }

    /// How values that the model cannot use are treated.
    public enum InvalidValues: Sendable {
        /// NaN, infinite, zero or negative `B`, `S` or `T_ms` is an error naming the line.
        case reject
        /// Such rows are kept and left to the fit's ``RowFilter``, which drops and counts them.
        case keepForFilter
    }

    /// Parses `text`.
    ///
    /// - Parameters:
    ///   - text: the CSV content.
    ///   - invalidValues: see ``InvalidValues``. Default `.reject`.
    ///   - where: optional `(column, value)` conditions a row must meet to be kept (string equality).
    /// - Throws: ``ParseError``.
    public static func parse(
        _ text: String, invalidValues: InvalidValues = .reject, where conditions: [(String, String)] = []
    ) throws(ParseError) -> StepTable {
        var table = StepTable()
        var header: [String]? = nil
        var columnB = -1, columnS = -1, columnT = -1
        var conditionColumns: [(Int, String)] = []
        var lineNumber = 0
        // "\r\n" is a single Character in Swift, so split on every newline character (LF, CRLF, CR).
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = try splitFields(line, lineNumber: lineNumber)
            guard let names = header else {
                let trimmed = fields.map { $0.trimmingSpaces() }
                header = trimmed
                func column(_ name: String) throws(ParseError) -> Int {
                    guard let i = trimmed.firstIndex(of: name) else {
                        throw ParseError(
                            line: lineNumber,
                            message: "missing column '\(name)' (header must name B, S and T_ms; found: "
                                + trimmed.joined(separator: ",") + ")")
                    }
                    return i
                }
                columnB = try column("B")
                columnS = try column("S")
                columnT = try column("T_ms")
                for (name, value) in conditions {
                    conditionColumns.append((try column(name), value))
                }
                continue
            }
            guard fields.count == names.count else {
                throw ParseError(
                    line: lineNumber, message: "expected \(names.count) fields as in the header, found \(fields.count)")
            }
            if conditionColumns.contains(where: { fields[$0.0].trimmingSpaces() != $0.1 }) { continue }
            func value(_ index: Int, _ name: String) throws(ParseError) -> Double {
                let f = fields[index].trimmingSpaces()
                guard let v = Double(f) else {
                    throw ParseError(line: lineNumber, message: "\(name) is not a number: '\(f)'")
                }
                if invalidValues == .reject {
                    guard v.isFinite else { throw ParseError(line: lineNumber, message: "\(name) is not finite: '\(f)'") }
                    guard v > 0 else { throw ParseError(line: lineNumber, message: "\(name) must be > 0, got \(f)") }
                }
                return v
            }
            table.append(
                batchSize: try value(columnB, "B"), tokens: try value(columnS, "S"), latency: try value(columnT, "T_ms"))
        }
        guard header != nil else { throw ParseError(line: 0, message: "empty file: no header and no rows") }
        return table
    }

    static func splitFields(_ line: Substring, lineNumber: Int) throws(ParseError) -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var iterator = line.makeIterator()
        var pendingQuote = false
        while let ch = iterator.next() {
            if inQuotes {
                if pendingQuote {
                    pendingQuote = false
                    if ch == "\"" { current.append("\""); continue }
                    inQuotes = false
                } else if ch == "\"" {
                    pendingQuote = true
                    continue
                } else {
                    current.append(ch)
                    continue
                }
            }
            if ch == "," {
                fields.append(current)
                current = ""
            } else if ch == "\"" && current.isEmpty {
                inQuotes = true
            } else {
                current.append(ch)
            }
        }
        if inQuotes && !pendingQuote { throw ParseError(line: lineNumber, message: "unterminated quoted field") }
        fields.append(current)
        return fields
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
