/// Reads step tables from CSV bytes (UTF-8): a header naming at least the columns `B`, `S` and `T_ms` (any order),
/// then one row per step. The optional columns of ``StepColumn`` (`kv_tokens`, `prefill_tokens`, `decode_tokens`,
/// `n_prefill_reqs`, `n_decode_reqs`, `prefill_chunk`, `step_type`) are read when the header names them; their
/// numbers must be finite and ≥ 0 (with ``InvalidValues/keepForFilter`` an invalid one reads as 0); any other
/// column is ignored.
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
        let n = bytes.count
        var position = 0
        if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
        var fields = Fields()
        defer { fields.deallocate() }
        var columnCount: Int? = nil
        var columnB = -1, columnS = -1, columnT = -1
        /// `(column, value as UTF-8, value)` per condition.
        var conditionColumns: [(Int, [UInt8], String)] = []
        var batchSizes: [Double] = []
        var tokens: [Double] = []
        var latencies: [Double] = []
        /// `(column index, which, values)` per optional column present.
        var extras: [(Int, StepColumn, [Double])] = []
        var lineNumber = 0
        while true {
            var end = position
            while end < n && bytes[end] != ASCII.lineFeed && bytes[end] != ASCII.carriageReturn { end += 1 }
            lineNumber += 1
            let line = UnsafeBufferPointer(rebasing: bytes[position..<end])
            if !line.allSatisfy({ $0 == ASCII.space || $0 == ASCII.tab }) {
                try fields.split(line, lineNumber: lineNumber)
                if let count = columnCount {
                    guard fields.count == count else {
                        throw ParseError(
                            line: lineNumber, message: "expected \(count) fields as in the header, found \(fields.count)")
                    }
                    var keep = true
                    for (column, expected, value) in conditionColumns {
                        let field = fields[column]
                        if !field.elementsEqual(expected) {
                            // Non-ASCII text compares as Strings (canonical equivalence), as Characters did.
                            let isASCII = field.allSatisfy { $0 < 0x80 } && expected.allSatisfy { $0 < 0x80 }
                            if isASCII || String(decoding: field, as: UTF8.self) != value {
                                keep = false
                                break
                            }
                        }
                    }
                    if keep {
                        batchSizes.append(try value(fields[columnB], "B", lineNumber, invalidValues))
                        tokens.append(try value(fields[columnS], "S", lineNumber, invalidValues))
                        latencies.append(try value(fields[columnT], "T_ms", lineNumber, invalidValues))
                        for k in extras.indices {
                            let (index, which, _) = extras[k]
                            extras[k].2.append(
                                try extraValue(fields[index], which, lineNumber, invalidValues))
                        }
                    }
                } else {
                    let names = (0..<fields.count).map { String(decoding: fields[$0], as: UTF8.self) }
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
                    for which in StepColumn.allCases {
                        if let i = names.firstIndex(of: which.rawValue) { extras.append((i, which, [])) }
                    }
                    let estimate = n / Swift.max(end - position + 1, 8)
                    batchSizes.reserveCapacity(estimate)
                    tokens.reserveCapacity(estimate)
                    latencies.reserveCapacity(estimate)
                }
            }
            if end == n { break }
            position = end + 1
            if bytes[end] == ASCII.carriageReturn && position < n && bytes[position] == ASCII.lineFeed { position += 1 }
        }
        guard columnCount != nil else {
            throw ParseError(line: 0, message: "empty file: no header and no rows")
        }
        var extraColumns: [StepColumn: [Double]] = [:]
        for (_, which, values) in extras { extraColumns[which] = values }
        return StepTable(batchSizes: batchSizes, tokens: tokens, latencies: latencies, extraColumns: extraColumns)
    }

    /// An optional column's value: ``StepKind`` for `step_type`, else a finite number ≥ 0 (0 when invalid and
    /// `invalidValues` is ``InvalidValues/keepForFilter``).
    private static func extraValue(
        _ field: UnsafeBufferPointer<UInt8>, _ which: StepColumn, _ lineNumber: Int, _ invalidValues: InvalidValues
    ) throws(ParseError) -> Double {
        if which == .stepType {
            // Compared as bytes: no String per row.
            for kind in [StepKind.prefill, .decode, .mixed] where field.elementsEqual(kind.name.utf8) {
                return kind.rawValue
            }
            return StepKind.other.rawValue
        }
        if let v = double(field), v.isFinite, v >= 0 { return v }
        if invalidValues == .keepForFilter { return 0 }
        throw ParseError(
            line: lineNumber, message: "\(which.rawValue) must be a finite number >= 0, got '\(text(field))'")
    }

    private static func value(
        _ field: UnsafeBufferPointer<UInt8>, _ name: String, _ lineNumber: Int, _ invalidValues: InvalidValues
    ) throws(ParseError) -> Double {
        guard let v = double(field) else {
            throw ParseError(line: lineNumber, message: "\(name) is not a number: '\(text(field))'")
        }
        if invalidValues == .reject {
            guard v.isFinite else {
                throw ParseError(line: lineNumber, message: "\(name) is not finite: '\(text(field))'")
            }
            guard v > 0 else { throw ParseError(line: lineNumber, message: "\(name) must be > 0, got \(text(field))") }
        }
        return v
    }

    private static func text(_ field: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: field, as: UTF8.self)
    }

    private enum ASCII {
        static let lineFeed: UInt8 = 0x0A
        static let carriageReturn: UInt8 = 0x0D
        static let space: UInt8 = 0x20
        static let tab: UInt8 = 0x09
        static let quote: UInt8 = 0x22
        static let comma: UInt8 = 0x2C
    }

    /// The fields of one line, trimmed of spaces and tabs. A line without quotes is split in place; a line with
    /// quotes is copied into scratch space with the quotes removed. Manually managed: ``deallocate()`` once.
    private struct Fields {
        private var bounds = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64)  // start, end per field
        private var scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 256)
        private var base: UnsafePointer<UInt8>? = nil
        private(set) var count = 0

        func deallocate() {
            bounds.deallocate()
            scratch.deallocate()
        }

        subscript(_ k: Int) -> UnsafeBufferPointer<UInt8> {
            var lower = bounds[2 * k]
            var upper = bounds[2 * k + 1]
            let p = base!
            while lower < upper && (p[lower] == ASCII.space || p[lower] == ASCII.tab) { lower += 1 }
            while upper > lower && (p[upper - 1] == ASCII.space || p[upper - 1] == ASCII.tab) { upper -= 1 }
            return UnsafeBufferPointer(start: p + lower, count: upper - lower)
        }

        private mutating func reserve(_ line: Int) {
            if 2 * (line + 1) > bounds.count {
                bounds.deallocate()
                bounds = .allocate(capacity: Swift.max(2 * bounds.count, 2 * (line + 1)))
            }
            if line > scratch.count {
                scratch.deallocate()
                scratch = .allocate(capacity: Swift.max(2 * scratch.count, line))
            }
        }

        mutating func split(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws(ParseError) {
            reserve(line.count)
            count = 0
            guard let start = line.baseAddress else {
                // An empty buffer is one empty field (not reached from parse: blank lines are skipped).
                base = UnsafePointer(scratch.baseAddress!)
                bounds[0] = 0
                bounds[1] = 0
                count = 1
                return
            }
            if !line.contains(ASCII.quote) {
                base = start
                var fieldStart = 0
                for i in 0..<line.count where line[i] == ASCII.comma {
                    bounds[2 * count] = fieldStart
                    bounds[2 * count + 1] = i
                    count += 1
                    fieldStart = i + 1
                }
                bounds[2 * count] = fieldStart
                bounds[2 * count + 1] = line.count
                count += 1
                return
            }
            // The general case, byte for byte as the Character parser did: a quote opens a quoted field only at
            // the start of a field; inside, `""` is a quote and a lone quote closes it.
            base = UnsafePointer(scratch.baseAddress!)
            var length = 0
            var fieldStart = 0
            var inQuotes = false
            var pendingQuote = false
            for byte in line {
                if inQuotes {
                    if pendingQuote {
                        pendingQuote = false
                        if byte == ASCII.quote {
                            scratch[length] = byte
                            length += 1
                            continue
                        }
                        inQuotes = false
                    } else if byte == ASCII.quote {
                        pendingQuote = true
                        continue
                    } else {
                        scratch[length] = byte
                        length += 1
                        continue
                    }
                }
                if byte == ASCII.comma {
                    bounds[2 * count] = fieldStart
                    bounds[2 * count + 1] = length
                    count += 1
                    fieldStart = length
                } else if byte == ASCII.quote && length == fieldStart {
                    inQuotes = true
                } else {
                    scratch[length] = byte
                    length += 1
                }
            }
            if inQuotes && !pendingQuote { throw ParseError(line: lineNumber, message: "unterminated quoted field") }
            bounds[2 * count] = fieldStart
            bounds[2 * count + 1] = length
            count += 1
        }
    }

    /// Exact powers of ten (every one is a double without rounding).
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]

    /// 10⁰ … 10¹⁹ as integers.
    private static let integerPowersOfTen: [UInt64] = (0...19).map { k in (0..<k).reduce(1) { r, _ in r * 10 } }

    /// The number in `field`, exactly as `Double(String)` reads it.
    ///
    /// Plain decimals `[+-]digits[.digits][(e|E)[+-]digits]` with at most 19 significant digits and a power of ten
    /// of at most 19 in magnitude (all that CSV writers print for latencies, shortest round-trip included) are
    /// converted here with exact integer arithmetic and round-half-even, which is the correctly rounded value
    /// `Double(String)` also gives; small ones by one exact multiplication or division (Clinger's fast path).
    /// Everything else (more digits, `nan`, `inf`, hexadecimal, malformed text) goes to `Double(String)`.
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
            guard digits <= 19 else { return nil }
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
                guard digits <= 19 else { return nil }
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
        guard i == n else { return nil }
        let v: Double
        if significand == 0 {
            v = 0
        } else if significand <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            // Both operands are exact doubles: one correctly rounded operation.
            let w = Double(significand)
            v = exponent >= 0 ? w * powersOfTen[exponent] : w / powersOfTen[-exponent]
        } else if exponent >= 0 && exponent <= 19 {
            // w·10^q < 10^38 is an exact 128-bit integer.
            v = rounded(UInt128(significand) * UInt128(integerPowersOfTen[exponent]), sticky: false, exponent: 0)
        } else if exponent < 0 && exponent >= -19 {
            // w / 10^k: scale w to 128 bits, divide; the quotient has at least 64 bits, the remainder is sticky.
            let shift = 64 + significand.leadingZeroBitCount
            let scaled = UInt128(significand) << shift
            let divisor = UInt128(integerPowersOfTen[-exponent])
            let (quotient, remainder) = scaled.quotientAndRemainder(dividingBy: divisor)
            v = rounded(quotient, sticky: remainder != 0, exponent: -shift)
        } else {
            return nil
        }
        return negative ? -v : v
    }

    /// `(n + f)·2^exponent` rounded to the nearest double, ties to even, for an integer `n > 0` and a fraction
    /// `0 ≤ f < 1` that is nonzero exactly when `sticky` (no overflow or subnormal range here).
    private static func rounded(_ n: UInt128, sticky: Bool, exponent: Int) -> Double {
        let bits = 128 - n.leadingZeroBitCount
        guard bits > 53 else {
            // Exact: only reached without a fraction (a quotient has at least 64 bits).
            return Double(sign: .plus, exponent: exponent, significand: Double(UInt64(truncatingIfNeeded: n)))
        }
        let drop = bits - 53
        var mantissa = UInt64(truncatingIfNeeded: n >> drop)
        let rest = n & ((1 << drop) - 1)
        let half = UInt128(1) << (drop - 1)
        if rest > half || (rest == half && (sticky || mantissa & 1 == 1)) { mantissa += 1 }
        return Double(sign: .plus, exponent: exponent + drop, significand: Double(mantissa))
    }
}
