import SaturnModel

/// One observation as the agent keeps it: the step and the prediction the current set made when it arrived.
struct Observation: Sendable {
    var batchSize: Double
    var tokens: Double
    var latencyMs: Double
    var predictedMs: Double
}

/// What the agent remembers of one key: its window of observations, recent relative errors, and fit
/// bookkeeping (guarded by ``AgentState/keys``).
struct KeyHistory: Sendable {
    var window: ObservationWindow
    var relativeErrors: RingBuffer<Double>
    /// Σ of ``relativeErrors`` (kept so that a prediction's accuracy figure costs O(1)).
    var relativeErrorSum = 0.0
    var observations: UInt64 = 0
    var observationsSinceFit = 0
    var lastObservation = ContinuousClock.now
    var lastFit: ContinuousClock.Instant? = nil
    var fitsAccepted: UInt64 = 0
    var fitsRejected: UInt64 = 0
    var fittedObservations: UInt64 = 0
    var fitInProgress = false

    init(windowSize: Int, accuracyWindow: Int) {
        window = ObservationWindow(capacity: windowSize)
        relativeErrors = RingBuffer(capacity: accuracyWindow)
    }

    /// Appends steps `(B, S, T)` with the predictions of `parameters` at arrival (in place, no copy of the
    /// window).
    mutating func record(_ steps: [(Double, Double, Double)], predictedBy parameters: LatencyParameters) {
        for (b, s, t) in steps {
            let predicted = parameters.latency(batchSize: b, tokens: s)
            window.append(Observation(batchSize: b, tokens: s, latencyMs: t, predictedMs: predicted))
            let e = abs(predicted - t) / t
            relativeErrorSum += e - (relativeErrors.append(e) ?? 0)
            // Re-sum exactly once per full turn of the buffer so rounding cannot accumulate.
            if relativeErrors.wrapped { relativeErrorSum = relativeErrors.suffix(relativeErrors.count).reduce(0, +) }
        }
        observations += UInt64(steps.count)
        observationsSinceFit += steps.count
        lastObservation = .now
    }

    /// Mean of the recent relative errors and how many there are.
    var accuracy: (mean: Double, count: Int) {
        relativeErrors.count == 0 ? (0, 0) : (max(0, relativeErrorSum) / Double(relativeErrors.count), relativeErrors.count)
    }
}
