import Foundation
import SaturnSimulator
import SaturnTestKit
import Testing

/// The inputs `saturn demo` embeds are verbatim copies of `data/` files (regenerate with ops/make-demo-data.sh).
struct DemoDataTests {
    @Test func embeddedTableIsTheDataFile() throws {
        // The files have CRLF line ends; a Swift string literal has LF ones.
        let file = try String(contentsOf: Repository.dataFile(DemoData.truthTableName), encoding: .utf8)
            .replacingOccurrences(of: "\r\n", with: "\n")
        #expect(DemoData.truthTableCSV + "\n" == file)
        let embedded = try MeasuredStepTable.parse(text: DemoData.truthTableCSV, source: DemoData.truthTableName)
        var loaded = try MeasuredStepTable.load(Repository.dataFile(DemoData.truthTableName).path)
        loaded.source = DemoData.truthTableName
        #expect(embedded == loaded)
        #expect(embedded.model == "llama2-70b" && embedded.hardware == "h100-80gb" && embedded.tensorParallel == 4)
    }

    @Test func embeddedTraceIsTheHeadOfTheDataFile() throws {
        let file = try String(contentsOf: Repository.dataFile(DemoData.traceName), encoding: .utf8)
            .replacingOccurrences(of: "\r\n", with: "\n")
        let lines = file.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(DemoData.traceCSV == lines.prefix(DemoData.traceRequests + 1).joined(separator: "\n"))
        let embedded = try RequestTrace.parse(text: DemoData.traceCSV, source: DemoData.traceName)
        let loaded = try RequestTrace.load(Repository.dataFile(DemoData.traceName).path, limit: DemoData.traceRequests)
        #expect(embedded == loaded && embedded.requests.count == DemoData.traceRequests)
        #expect(try RequestTrace.parse(text: DemoData.traceCSV, source: "x", limit: 10).requests.count == 10)
    }

    @Test func parseErrorsNameTheSource() {
        #expect(throws: SimulationError.self) {
            try RequestTrace.parse(text: "arrival_s,input_tokens\n0,1", source: "t")
        }
        do {
            _ = try MeasuredStepTable.parse(text: "B,S,T_ms,step_type\n1,1,nan,decode", source: "embedded")
            Issue.record("a NaN latency was accepted")
        } catch {
            #expect(error.message.hasPrefix("embedded:"))
        }
    }
}
