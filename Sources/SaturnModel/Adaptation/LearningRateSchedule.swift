/// The adaptive learning rate of DESIGN §4: start at ``initial``, multiply by ``decayFactor`` after ``patience``
/// updates without a strict improvement over the best loss so far.
///
/// Per observed loss (golden `lr_schedule.json`, Interpretation choice 8):
/// 1. if `loss < best` (strict): `best = loss`, `counter = 0` (improved); otherwise `counter += 1`
///    (equal losses, and losses better than the previous one but not the best, are not improvements);
/// 2. if `counter ≥ patience`: `lr = max(lr · decayFactor, minimum)` (one multiplication per decay), `counter = 0`.
///
/// ``minimum`` defaults to 0, i.e. no lower limit, as in the golden file. Over a long stable period
/// improvements become rare (a new best is a record of a noisy series), so the rate keeps decaying; call
/// ``reset()`` when the environment changes (drift detected, a full refit installed, the base set replaced), or
/// the old regime's best loss would block every "improvement" exactly when adaptation is needed.
///
/// ```swift
/// var schedule = LearningRateSchedule()          // 0.01, ×0.95 after 5 updates without improvement
/// let event = schedule.observe(lossAfterUpdate)
/// let lr = schedule.learningRate
/// ```
public struct LearningRateSchedule: Sendable, Hashable {
    /// What one observed loss did.
    public struct Event: Sendable, Hashable {
        /// The loss was a strict new best.
        public var improved: Bool
        /// The learning rate was multiplied by the decay factor.
        public var decayed: Bool
    }

    /// The starting learning rate (> 0). Default 0.01 (DESIGN §4).
    public let initial: Double
    /// Factor applied at each decay, in (0, 1]. Default 0.95.
    public let decayFactor: Double
    /// Non-improving updates that trigger a decay (≥ 1). Default 5.
    public let patience: Int
    /// The learning rate never decays below this (≥ 0). Default 0 (no lower limit).
    public let minimum: Double

    /// The current learning rate.
    public private(set) var learningRate: Double
    /// The best (lowest) loss observed since the start or the last reset (`+infinity` before any).
    public private(set) var best: Double
    /// Consecutive non-improving losses since the last improvement or decay.
    public private(set) var counter: Int

    /// Creates a schedule at its start.
    /// - Precondition: `initial > 0`, `0 < decayFactor ≤ 1`, `patience ≥ 1`, `0 ≤ minimum ≤ initial`.
    public init(initial: Double = 0.01, decayFactor: Double = 0.95, patience: Int = 5, minimum: Double = 0) {
        precondition(initial > 0 && initial.isFinite, "initial learning rate must be positive")
        precondition(decayFactor > 0 && decayFactor <= 1, "decay factor must be in (0, 1]")
        precondition(patience >= 1, "patience must be at least 1")
        precondition(minimum >= 0 && minimum <= initial, "minimum must be in [0, initial]")
        self.initial = initial
        self.decayFactor = decayFactor
        self.patience = patience
        self.minimum = minimum
        learningRate = initial
        best = .infinity
        counter = 0
    }

    /// Records the loss of one update and adapts the learning rate. A NaN loss counts as no improvement.
    @discardableResult
    public mutating func observe(_ loss: Double) -> Event {
        let improved = loss < best
        if improved {
            best = loss
            counter = 0
        } else {
            counter += 1
        }
        var decayed = false
        if counter >= patience {
            learningRate = Swift.max(learningRate * decayFactor, minimum)
            counter = 0
            decayed = true
        }
        return Event(improved: improved, decayed: decayed)
    }

    /// Back to the start: `lr = initial`, no best loss, counter 0.
    public mutating func reset() {
        learningRate = initial
        best = .infinity
        counter = 0
    }
}
