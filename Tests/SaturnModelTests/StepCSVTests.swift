import SaturnModel
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
