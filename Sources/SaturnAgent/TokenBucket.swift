/// A token bucket: `rate` tokens per second accrue up to `burst`; each admitted message takes one.
struct TokenBucket: Sendable {
    private(set) var tokens: Double
    private var refilled: ContinuousClock.Instant

    /// A full bucket at `now`.
    init(burst: Double, now: ContinuousClock.Instant) {
        tokens = burst
        refilled = now
    }

    /// Refills for the time since the last call and takes one token; false (nothing taken) when empty.
    mutating func take(now: ContinuousClock.Instant, rate: Double, burst: Double) -> Bool {
        let elapsed = now - refilled
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        tokens = min(burst, tokens + seconds * rate)
        refilled = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
