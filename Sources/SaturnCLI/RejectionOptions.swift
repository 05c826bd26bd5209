import ArgumentParser
import SaturnModel

/// The robust gate's options (`saturn fit`, `saturn eval --cv`).
struct RejectionOptions: ParsableArguments {
    @Option(
        name: .customLong("reject-z"),
        help: ArgumentHelp(
            "Robust gate: reject rows whose relative residual lies more than Z robust standard deviations "
                + "(1.4826 x MAD, at least 5%) from the median, then refit (up to 3 rounds).", valueName: "Z"))
    var rejectZ: Double = 5

    @Flag(name: .customLong("no-reject"), help: "No robust gate: fit every row the filter keeps.")
    var noReject = false

    func validate() throws {
        guard rejectZ.isFinite, rejectZ > 0 else { throw ValidationError("--reject-z must be > 0") }
    }

    /// The gate, or nil with `--no-reject`.
    var rejection: OutlierRejection? { noReject ? nil : OutlierRejection(threshold: rejectZ) }
}
