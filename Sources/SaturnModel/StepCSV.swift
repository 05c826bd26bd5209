/// Reads step tables from CSV bytes (UTF-8): a header naming at least the columns `B`, `S` and `T_ms` (any order,
/// extra columns ignored), then one row per step.
///
/// Lines end with LF, CRLF or CR; a leading UTF-8 byte-order mark is skipped; lines of only spaces and tabs are
/// skipped; double-quoted fields are supported (`""` is a quote inside one) but do not span lines. Fields are
/// trimmed of spaces and tabs. The parser works on bytes: it never builds a `String` per line or per field, only
/// for header names, error messages and numbers outside the plain decimal form (which go to `Double(_:)`).
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
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(ParseError) in try parse(utf8: bytes, invalidValues: invalidValues, where: conditions) }
        }
        return try result.get()
    }

    /// Parses UTF-8 `bytes` (for example a file's contents); see ``parse(_:invalidValues:where:)``.
    public static func parse(
        utf8 bytes: UnsafeBufferPointer<UInt8>, invalidValues: InvalidValues = .reject,
        where conditions: [(String, String)] = []
    ) throws(ParseError) -> StepTable {
        var parser = Parser(invalidValues: invalidValues, conditions: conditions)
        let n = bytes.count
        var position = 0
        if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
        var lineNumber = 0
        while true {
            var end = position
            while end < n && bytes[end] != ASCII.lineFeed && bytes[end] != ASCII.carriageReturn { end += 1 }
            lineNumber += 1
            try parser.line(UnsafeBufferPointer(rebasing: bytes[position..<end]), lineNumber: lineNumber)
            if end == n { break }
            position = end + 1
            if bytes[end] == ASCII.carriageReturn && position < n && bytes[position] == ASCII.lineFeed { position += 1 }
        }
        guard parser.columnCount != nil else {
            throw ParseError(line: 0, message: "empty file: no header and no rows")
        }
        return parser.table
    }

    private enum ASCII {
        static let lineFeed: UInt8 = 0x0A
        static let carriageReturn: UInt8 = 0x0D
        static let space: UInt8 = 0x20
        static let tab: UInt8 = 0x09
        static let quote: UInt8 = 0x22
        static let comma: UInt8 = 0x2C
    }

    /// The state of one parse: the header's columns, then the rows.
    private struct Parser {
        let invalidValues: InvalidValues
        let conditions: [(String, String)]
        var table = StepTable()
        /// Number of header fields; nil until the header is read.
        var columnCount: Int? = nil
        var columnB = -1, columnS = -1, columnT = -1
        /// `(column, value as UTF-8, value)` per condition.
        var conditionColumns: [(Int, [UInt8], String)] = []
        /// Field contents of the current line (quotes removed), and each field's range in it.
        var scratch: [UInt8] = []
        var fields: [Range<Int>] = []

        init(invalidValues: InvalidValues, conditions: [(String, String)]) {
            self.invalidValues = invalidValues
            self.conditions = conditions
            scratch.reserveCapacity(256)
            fields.reserveCapacity(32)
        }

        mutating func line(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws(ParseError) {
            if line.allSatisfy({ $0 == ASCII.space || $0 == ASCII.tab }) { return }
            try split(line, lineNumber: lineNumber)
            guard let count = columnCount else {
                try readHeader(lineNumber: lineNumber)
                return
            }
            guard fields.count == count else {
                throw ParseError(
                    line: lineNumber, message: "expected \(count) fields as in the header, found \(fields.count)")
            }
            try scratch.withUnsafeBufferPointer { (buffer) throws(ParseError) in
                for (column, bytes, value) in conditionColumns {
                    let field = Self.trimmed(buffer, fields[column])
                    if !field.elementsEqual(bytes) {
                        // Non-ASCII text compares as Strings (canonical equivalence), as before the byte parser.
                        let isASCII = field.allSatisfy { $0 < 0x80 } && bytes.allSatisfy { $0 < 0x80 }
                        if isASCII || String(decoding: field, as: UTF8.self) != value { return }
                    }
                }
                let b = try value(buffer, column: columnB, name: "B", lineNumber: lineNumber)
                let s = try value(buffer, column: columnS, name: "S", lineNumber: lineNumber)
                let t = try value(buffer, column: columnT, name: "T_ms", lineNumber: lineNumber)
                table.append(batchSize: b, tokens: s, latency: t)
            }
        }

        private mutating func readHeader(lineNumber: Int) throws(ParseError) {
            let names = scratch.withUnsafeBufferPointer { buffer in
                fields.map { String(decoding: Self.trimmed(buffer, $0), as: UTF8.self) }
            }
            func column(_ name: String) throws(ParseError) -> Int {
                guard let i = names.firstIndex(of: name) else {
                    throw ParseError(
                        line: lineNumber,
                        message: "missing column '\(name)' (header must name B, S and T_ms; found: "
                            + names.joined(separator: ",") + ")")
                }
                return i
            }
            columnB = try column("B")
            columnS = try column("S")
            columnT = try column("T_ms")
            for (name, value) in conditions {
                conditionColumns.append((try column(name), Array(value.utf8), value))
            }
            columnCount = names.count
        }

        private func value(
            _ buffer: UnsafeBufferPointer<UInt8>, column: Int, name: String, lineNumber: Int
        ) throws(ParseError) -> Double {
            let field = Self.trimmed(buffer, fields[column])
            guard let v = StepCSV.double(field) else {
                throw ParseError(line: lineNumber, message: "\(name) is not a number: '\(Self.text(field))'")
            }
            if invalidValues == .reject {
                guard v.isFinite else {
                    throw ParseError(line: lineNumber, message: "\(name) is not finite: '\(Self.text(field))'")
                }
                guard v > 0 else {
                    throw ParseError(line: lineNumber, message: "\(name) must be > 0, got \(Self.text(field))")
                }
            }
            return v
        }

        /// Splits `line` into ``fields`` (contents in ``scratch``).
        private mutating func split(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws(ParseError) {
            scratch.removeAll(keepingCapacity: true)
            fields.removeAll(keepingCapacity: true)
            var start = 0
            var inQuotes = false
            var pendingQuote = false
            for byte in line {
                if inQuotes {
                    if pendingQuote {
                        pendingQuote = false
                        if byte == ASCII.quote {
                            scratch.append(byte)
                            continue
                        }
                        inQuotes = false
                    } else if byte == ASCII.quote {
                        pendingQuote = true
                        continue
                    } else {
                        scratch.append(byte)
                        continue
                    }
                }
                if byte == ASCII.comma {
                    fields.append(start..<scratch.count)
                    start = scratch.count
                } else if byte == ASCII.quote && scratch.count == start {
                    inQuotes = true
                } else {
                    scratch.append(byte)
                }
            }
            if inQuotes && !pendingQuote { throw ParseError(line: lineNumber, message: "unterminated quoted field") }
            fields.append(start..<scratch.count)
        }

        private static func trimmed(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>)
            -> UnsafeBufferPointer<UInt8>
        {
            var lower = range.lowerBound
            var upper = range.upperBound
            while lower < upper && (buffer[lower] == ASCII.space || buffer[lower] == ASCII.tab) { lower += 1 }
            while upper > lower && (buffer[upper - 1] == ASCII.space || buffer[upper - 1] == ASCII.tab) { upper -= 1 }
            return UnsafeBufferPointer(rebasing: buffer[lower..<upper])
        }

        private static func text(_ field: UnsafeBufferPointer<UInt8>) -> String {
            String(decoding: field, as: UTF8.self)
        }
    }

    /// Exact powers of ten (every one is a double without rounding).
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]

    /// The number in `field`, exactly as `Double(String)` reads it.
    ///
    /// Plain decimals `[+-]digits[.digits][(e|E)[+-]digits]` whose significand fits in 53 bits and whose power of
    /// ten is at most 22 in magnitude are computed directly: one correctly rounded multiplication or division of
    /// two exact doubles (Clinger's fast path), so the result is the correctly rounded value `Double(String)`
    /// gives. Everything else (more digits, `nan`, `inf`, hexadecimal, malformed text) goes to `Double(String)`.
    static func double(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        if let v = fastDouble(field) { return v }
        return Double(String(decoding: field, as: UTF8.self))
    }

    private static func fastDouble(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = field.count
        var i = 0
        var negative = false
        if i < n && (field[i] == 0x2B || field[i] == 0x2D) {
            negative = field[i] == 0x2D
            i += 1
        }
        var significand: UInt64 = 0
        var digits = 0  // significant digits accumulated (leading zeros excluded)
        var exponent = 0
        var integerDigits = 0
        while i < n, field[i] &- 0x30 < 10 {
            let d = UInt64(field[i] &- 0x30)
            if significand != 0 || d != 0 { digits += 1 }
            guard digits <= 18 else { return nil }
            significand = significand &* 10 &+ d
            integerDigits += 1
            i += 1
        }
        guard integerDigits > 0 else { return nil }
        if i < n && field[i] == 0x2E {
            i += 1
            var fractionDigits = 0
            while i < n, field[i] &- 0x30 < 10 {
                let d = UInt64(field[i] &- 0x30)
                if significand != 0 || d != 0 { digits += 1 }
                guard digits <= 18 else { return nil }
                significand = significand &* 10 &+ d
                exponent -= 1
                fractionDigits += 1
                i += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        if i < n && (field[i] == 0x65 || field[i] == 0x45) {
            i += 1
            var negativeExponent = false
            if i < n && (field[i] == 0x2B || field[i] == 0x2D) {
                negativeExponent = field[i] == 0x2D
                i += 1
            }
            var e = 0
            var exponentDigits = 0
            while i < n, field[i] &- 0x30 < 10 {
                e = e * 10 + Int(field[i] &- 0x30)
                exponentDigits += 1
                guard exponentDigits <= 4 else { return nil }
                i += 1
            }
            guard exponentDigits > 0 else { return nil }
            exponent += negativeExponent ? -e : e
        }
        guard i == n, significand <= 1 << 53 else { return nil }
        var v = Double(significand)
        if significand != 0 {
            guard exponent >= -22 && exponent <= 22 else { return nil }
            v = exponent >= 0 ? v * powersOfTen[exponent] : v / powersOfTen[-exponent]
        }
        return negative ? -v : v
    }
}
