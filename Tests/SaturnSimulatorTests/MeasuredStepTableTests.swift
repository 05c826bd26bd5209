import SaturnSimulator
import Testing

/// ``MeasuredStepTable/parse(text:source:)``: bad values are errors naming the line, never a trap.
struct MeasuredStepTableTests {
    static let header = "B,S,T_ms,step_type,decode_tokens,prefill_tokens,n_prefill_reqs,n_decode_reqs,decode_ctx,prefill_prior_ctx"

    @Test func readsEachKindOfRow() throws {
        let t = try MeasuredStepTable.parse(
            text: """
                \(Self.header)
                2,1024,80.5,prefill,0,1024,2,0,0,0
                8,8,31.0,decode,8,0,0,8,1200,0
                9,264,52.0,mixed,8,256,1,8,1200,512
                """, source: "t.csv")
        #expect(t.rows.count == 3)
        #expect(t.rows[0].prefillRequests == 2 && t.rows[0].prefillTokens == 1024)
        #expect(t.rows[1].decodeRequests == 8 && t.rows[1].decodeContext == 1200)
        #expect(t.rows[2].prefillTokens == 256 && t.rows[2].prefillPriorContext == 512)
    }

    /// Found by the CSV fuzz harness: a count beyond Int's range trapped converting it.
    @Test func hugeOrNegativeCountsAreInvalidValues() {
        for row in [
            "1,512,59.5,prefill,0,522222222222222222222222222,1,0,0,0",
            "1,512,59.5,prefill,0,512,1e300,0,0,0",
            "9,264,52.0,mixed,8,256,1,8,1e40,0",
            "9,264,52.0,mixed,8,256,1,-8,1200,0",
            "9,264,52.0,mixed,8,256,1,8,1200,1e19",
        ] {
            #expect(throws: SimulationError.self, "\(row)") {
                try MeasuredStepTable.parse(text: "\(Self.header)\n\(row)\n", source: "t.csv")
            }
        }
    }
}
