import SaturnModel
import SaturnSimulator

/// The CSV readers: step tables for the fit (`StepCSV`, both modes), request traces and measured step tables for the
/// simulator. Rejected input is an error value; a table read in `.reject` mode holds only finite positive values.
enum CSVHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        let text = String(decoding: input, as: UTF8.self)
        if let t = try? StepCSV.parse(text, invalidValues: .reject) {
            for i in 0..<t.count {
                let (b, s, l) = (t.batchSizes[i], t.tokens[i], t.latencies[i])
                guard b.isFinite, s.isFinite, l.isFinite, b > 0, s > 0, l > 0 else {
                    fatalError("StepCSV kept row \(i + 1) with B \(b), S \(s), T \(l)")
                }
            }
        }
        _ = try? StepCSV.parse(text, invalidValues: .keepForFilter)
        _ = try? RequestTrace.parse(text: text, source: "fuzz")
        _ = try? MeasuredStepTable.parse(text: text, source: "fuzz")
    }
}
