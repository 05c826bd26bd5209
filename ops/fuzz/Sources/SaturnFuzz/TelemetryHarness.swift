import SaturnWire

/// `StepTelemetry`: the hand-written parser differentially against SwiftProtobuf (same accept/reject, same values;
/// ``TelemetryDifferential``). A disagreement stops the run with the input saved.
enum TelemetryHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        let outcome = TelemetryDifferential.compare(Array(input))
        if outcome.bothAccepted == nil || !outcome.problems.isEmpty {
            fatalError("telemetry parser and SwiftProtobuf disagree: \(outcome.problems)")
        }
    }
}
