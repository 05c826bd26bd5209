import SaturnModel
import SaturnNumerics
import Testing

struct StepCSVTests {
    @Test func readsColumnsInAnyOrderWithExtrasAndCRLF() throws {
        let t = try StepCSV.parse("x,T_ms,S,B\r\nq,10.5,3,2\r\n\r\n\"a,b\",11,4,1\r\n")
        #expect(t.batchSizes == [2, 1])
        #expect(t.tokens == [3, 4])
        #expect(t.latencies == [10.5, 11])
    }

    @Test func errorsNameTheLine() {
        func message(_ text: String) -> String {
            do { _ = try StepCSV.parse(text); return "no error" } catch { return error.description }
        }
        #expect(message("") == "empty file: no header and no rows")
        #expect(message("B,S\n1,2\n").hasPrefix("line 1: missing column 'T_ms'"))
        #expect(message("B,S,T_ms\n1,2,3\n1,2\n") == "line 3: expected 3 fields as in the header, found 2")
        #expect(message("B,S,T_ms\n1,x,3\n") == "line 2: S is not a number: 'x'")
        #expect(message("B,S,T_ms\n1,2,nan\n") == "line 2: T_ms is not finite: 'nan'")
        #expect(message("B,S,T_ms\n-1,2,3\n") == "line 2: B must be > 0, got -1")
        #expect(message("B,S,T_ms\n1,0,3\n") == "line 2: S must be > 0, got 0")
        #expect(message("B,S,T_ms\n1,2,\"3\n") == "line 2: unterminated quoted field")
    }

    @Test func lenientModeLeavesBadRowsToTheFilter() throws {
        let t = try StepCSV.parse("B,S,T_ms\n1,2,nan\n0,2,3\n1,2,3\n", invalidValues: .keepForFilter)
        #expect(t.count == 3)
        #expect(RowFilter().apply(to: t).kept.count == 1)
    }

    @Test func whereConditionsSelectRows() throws {
        let t = try StepCSV.parse("B,S,T_ms,ok\n1,2,3,1\n1,2,4,0\n", where: [("ok", "1")])
        #expect(t.latencies == [3])
    }
}

/// Byte-level edge cases of the CSV reader (it parses UTF-8 bytes, not Characters).
struct StepCSVByteTests {
    func parse(_ text: String, where conditions: [(String, String)] = []) throws(StepCSV.ParseError) -> StepTable {
        try StepCSV.parse(text, where: conditions)
    }

    /// The error's description, or "no error".
    func message(_ text: String, invalidValues: StepCSV.InvalidValues = .reject) -> String {
        do throws(StepCSV.ParseError) {
            _ = try StepCSV.parse(text, invalidValues: invalidValues)
            return "no error"
        } catch {
            return error.description
        }
    }

    func bytes(_ text: [UInt8]) throws -> StepTable {
        try text.withUnsafeBufferPointer { try StepCSV.parse(utf8: $0) }
    }

    @Test func lineEndingsLFCRLFAndCRAreOneLineEach() throws {
        for text in ["B,S,T_ms\n1,2,3\n4,5,6\n", "B,S,T_ms\r\n1,2,3\r\n4,5,6\r\n", "B,S,T_ms\r1,2,3\r4,5,6\r",
                     "B,S,T_ms\r\n1,2,3\n4,5,6\r"] {
            let t = try parse(text)
            #expect(t.batchSizes == [1, 4] && t.tokens == [2, 5] && t.latencies == [3, 6])
        }
        // Line numbers count a CRLF once and a lone CR once.
        #expect(message("B,S,T_ms\r\n1,2,3\r\r\n1,x,3\r\n") == "line 4: S is not a number: 'x'")
    }

    @Test func trailingNewlineIsOptional() throws {
        #expect(try parse("B,S,T_ms\n1,2,3").latencies == [3])
        #expect(try parse("B,S,T_ms\r\n1,2,3.25").latencies == [3.25])
        #expect(try parse("B,S,T_ms\n1,2,3\n\n \t\n").latencies == [3])
        #expect(try parse("B,S,T_ms").isEmpty)
        #expect(message("B,S,T_ms\n1,2") == "line 2: expected 3 fields as in the header, found 2")
    }

    @Test func utf8ByteOrderMarkIsSkipped() throws {
        let t = try bytes([0xEF, 0xBB, 0xBF] + Array("B,S,T_ms\n1,2,3\n".utf8))
        #expect(t.latencies == [3])
        #expect(try parse("\u{FEFF}T_ms,B,S\r\n3,1,2\r\n").batchSizes == [1])
        // Only at the start of the file: elsewhere it is part of a name.
        #expect(message("x,\u{FEFF}B,S,T_ms\n0,1,2,3\n").hasPrefix("line 1: missing column 'B'"))
    }

    @Test func quotedFields() throws {
        let t = try parse("\"B\",\"S\",\"T_ms\",note\n\"1\",\"2\" ,3,\"a \"\"quoted\"\", text\"\n")
        #expect(t.batchSizes == [1] && t.tokens == [2] && t.latencies == [3])
        // A quote inside an unquoted field is kept; quoted fields do not span lines.
        #expect(try parse("B,S,T_ms,n\n1,2,3,ab\"c\n").count == 1)
        #expect(message("B,S,T_ms,n\n1,2,3,\"two\nlines\"\n") == "line 2: unterminated quoted field")
        #expect(try parse("B,S,T_ms,n\n1,2,3,\"x,y\"\n1,2,4,z\n", where: [("n", "x,y")]).latencies == [3])
    }

    @Test func headerAndMessagesKeepNonASCIIText() {
        #expect(message("B,S,Tµs\n1,2,3\n") == "line 1: missing column 'T_ms' (header must name B, S and T_ms; found: B,S,Tµs)")
        #expect(message("B,S,T_ms\n1,2,3µ\n") == "line 2: T_ms is not a number: '3µ'")
        #expect(message(" \t\n\r\n") == "empty file: no header and no rows")
    }

    @Test func invalidUTF8InIgnoredColumnsIsAccepted() throws {
        let t = try bytes(Array("B,S,T_ms,src\n1,2,3,".utf8) + [0xFF, 0xFE] + Array("\n".utf8))
        #expect(t.latencies == [3])
    }

    @Test func whereConditionsCompareAsStrings() throws {
        // "é" precomposed in the file, decomposed in the condition: equal as Strings.
        let t = try parse("B,S,T_ms,hw\n1,2,3,caf\u{E9}\n1,2,4,cafe\n", where: [("hw", "cafe\u{301}")])
        #expect(t.latencies == [3])
    }

    @Test func numbersReadExactlyAsDoubleFromString() throws {
        var rng = SplitMix64(seed: 7)
        var texts = ["0", "-0", "+1", "1e5", "1E-5", "2.5e+3", "0.1", "0.30000000000000004", "123456789012345678",
                     "1234567890123456789", "9007199254740993", "9007199254740992", "1e22", "1e23", "1e-22", "1e-23",
                     "4.9e-324", "1.7976931348623157e308", "1e400", "nan", "NaN", "inf", "-infinity", "0x1p3", ".5",
                     "5.", "1e", "e1", "+", "-", "1.2.3", "1_0", "00012.5000", "0.000000000000000000001", "12e0003",
                     "1e99999", "\u{661}", "9007199254740995", "9007199254740993.0000000001", "18014398509481985",
                     "9999999999999999999", "99999999999999999999", "0.9999999999999999999", "1.000000000000000055511151231257827",
                     "1.0000000000000001110223024625156540", "2.2250738585072014e-308", "123456789.123456789e-19",
                     "7.2057594037927933e16", "1844674407370955161.5e0"]
        for k in 0..<3000 {
            let digits = String(rng.next() % (k % 2 == 0 ? 100_000_000_000_000_000 : 10_000_000_000_000_000_000))
            let cut = Int(rng.next() % UInt64(digits.count + 1))
            var s = String(digits.prefix(cut)) + (cut < digits.count ? "." + digits.dropFirst(cut) : "")
            if s.hasPrefix(".") { s = "0" + s }
            if rng.next() % 3 == 0 { s += "e" + String(Int(rng.next() % 61) - 30) }
            texts.append(s)
            texts.append(String(Double(bitPattern: rng.next() >> 2)))
            texts.append(String(Double(rng.next() % 1_000_000) / 1000))
        }
        // Lenient mode, so zero, negative, NaN and infinite values come through.
        let readable = texts.filter { Double($0) != nil }
        let csv = "T_ms,B,S\n" + readable.map { "\($0),1,1" }.joined(separator: "\n")
        let parsed = try StepCSV.parse(csv, invalidValues: .keepForFilter).latencies
        #expect(parsed.count == readable.count)
        for (text, v) in zip(readable, parsed) {
            let expected = Double(text)!
            #expect(v.bitPattern == expected.bitPattern || (v.isNaN && expected.isNaN), "\(text)")
        }
        for text in texts where Double(text) == nil {
            #expect(message("T_ms,B,S\n\(text),1,1\n", invalidValues: .keepForFilter)
                == "line 2: T_ms is not a number: '\(text)'")
        }
    }
}
