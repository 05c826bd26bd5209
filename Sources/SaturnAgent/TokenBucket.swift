/// A token bucket: `rate` tokens per second accrue up to `burst`; each admitted message takes one.
///
/// Time is given in nanoseconds on a monotonic scale chosen by the owner (``TelemetryIngest`` reads the clock once
/// per batch), so that taking a token is plain arithmetic: no `Duration` conversion per message.
struct TokenBucket: Sendable {
    private(set) var tokens: Double
    /// When the bucket was last refilled, in the owner's nanoseconds.
    private var refilled: Int64

    /// A full bucket at `now` (nanoseconds).
    init(burst: Double, now: Int64) {
        tokens = burst
        refilled = now
    }

    /// Refills for the time since the last call and takes one token; false (nothing taken) when empty.
    mutating func take(now: Int64, rate: Double, burst: Double) -> Bool {
        if now != refilled {
            tokens = min(burst, tokens + Double(now &- refilled) * 1e-9 * rate)
            refilled = now
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
