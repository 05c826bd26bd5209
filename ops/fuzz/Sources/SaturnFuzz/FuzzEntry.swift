import Foundation

/// The harness that `SATURN_FUZZ_TARGET` names (and the corpus directory `ops/fuzz/corpus/<name>`).
func harness(named name: String) -> ((UnsafeRawBufferPointer) -> Void)? {
    switch name {
    case "telemetry": TelemetryHarness.run
    case "request": RequestHarness.run
    case "broadcast": BroadcastHarness.run
    case "envelope": EnvelopeHarness.run
    case "csv": CSVHarness.run
    case "config": ConfigurationHarness.run
    case "fpm": ForwardPassHarness.run
    default: nil
    }
}

let harnessNames = ["broadcast", "config", "csv", "envelope", "fpm", "request", "telemetry"]

nonisolated(unsafe) var selected: ((UnsafeRawBufferPointer) -> Void)?

/// Picks the harness once: an unknown or missing name stops the run with the list of names.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>)
    -> CInt
{
    let name = ProcessInfo.processInfo.environment["SATURN_FUZZ_TARGET"] ?? ""
    guard let h = harness(named: name) else {
        FileHandle.standardError.write(
            Data("set SATURN_FUZZ_TARGET to one of: \(harnessNames.joined(separator: ", "))\n".utf8))
        exit(2)
    }
    selected = h
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    selected?(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
