import Foundation

/// A comma-separated file with a header line, read as text: enough for the trace and step tables (no quoting).
struct CSVRows {
    /// Column names of the header.
    let header: [String]
    /// Data rows (fields as text), with their 1-based line numbers.
    let rows: [(line: Int, fields: [Substring])]

    /// Parses `text` (LF or CRLF line ends); blank lines are skipped.
    /// - Throws: ``SimulationError`` (`malformed`) on an empty file or a row with a different field count.
    init(text: String, source: String) throws(SimulationError) {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated().makeIterator()
        guard let (_, first) = lines.next() else { throw SimulationError(.malformed, "\(source): empty file") }
        header = first.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !header.isEmpty, header != [""] else { throw SimulationError(.malformed, "\(source): no header") }
        var rows: [(Int, [Substring])] = []
        while let (i, raw) = lines.next() {
            let line = raw
            if line.allSatisfy({ $0 == " " }) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == header.count else {
                throw SimulationError(
                    .malformed, "\(source): line \(i + 1): \(fields.count) fields, the header has \(header.count)")
            }
            rows.append((i + 1, fields))
        }
        self.rows = rows
    }

    /// Reads and parses the file at `path`.
    static func read(_ path: String) throws(SimulationError) -> CSVRows {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimulationError(.unreadable, "\(path): cannot read file")
        }
        return try CSVRows(text: String(decoding: data, as: UTF8.self), source: path)
    }

    /// The index of column `name`, or nil.
    func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// The index of column `name`.
    /// - Throws: ``SimulationError`` (`malformed`) when the column is missing.
    func requireColumn(_ name: String, source: String) throws(SimulationError) -> Int {
        guard let c = column(name) else { throw SimulationError(.malformed, "\(source): no column '\(name)'") }
        return c
    }

    /// Field `column` of `row` as a finite Double.
    /// - Throws: ``SimulationError`` (`malformed`) when it is not a finite number.
    static func number(_ row: (line: Int, fields: [Substring]), _ column: Int, _ name: String, source: String)
        throws(SimulationError) -> Double
    {
        let text = row.fields[column].trimmingCharacters(in: .whitespaces)
        guard let v = Double(text), v.isFinite else {
            throw SimulationError(.malformed, "\(source): line \(row.line): \(name) '\(text)' is not a finite number")
        }
        return v
    }
}
