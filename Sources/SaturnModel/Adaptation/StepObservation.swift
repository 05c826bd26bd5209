/// One observed model step, the input and target of online adaptation: `B` requests, `S` tokens, latency `T` in ms.
///
/// A small value type rather than a `(B, S, T)` tuple so that more step features (for example the KV-context tokens
/// of the step, DESIGN §9) can be added without changing the signatures that take observations. Windows of
/// observations are passed as arrays in time order: index 0 is the oldest, the last index the most recent.
public struct StepObservation: Sendable, Hashable {
    /// `B`, requests in the step (≥ 1 for real steps).
    public var batchSize: Double
    /// `S`, tokens computed in the step summed over requests (≥ 1 for real steps).
    public var tokens: Double
    /// `T`, the measured step latency in milliseconds (> 0).
    public var latencyMs: Double

    /// Creates an observation.
    @inlinable
    public init(batchSize: Double, tokens: Double, latencyMs: Double) {
        self.batchSize = batchSize
        self.tokens = tokens
        self.latencyMs = latencyMs
    }
}

extension StepTable {
    /// The rows as observations, oldest first.
    public var observations: [StepObservation] {
        var out = [StepObservation]()
        out.reserveCapacity(count)
        for i in 0..<count {
            out.append(StepObservation(batchSize: batchSizes[i], tokens: tokens[i], latencyMs: latencies[i]))
        }
        return out
    }
}
