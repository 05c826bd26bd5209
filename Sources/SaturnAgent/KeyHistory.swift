import SaturnModel

/// One observation as the agent keeps it: the step and the prediction the current set made when it arrived.
struct Observation: Sendable {
    var batchSize: Double
    var tokens: Double
    var latencyMs: Double
    /// `K` and `Q` as reported (0 when not).
    var kvTokens: Double
    var prefillAttentionTokens: Double
    var predictedMs: Double

    /// The step as the model reads it.
    var step: StepObservation {
        StepObservation(
            batchSize: batchSize, tokens: tokens, latencyMs: latencyMs, kvTokens: kvTokens,
            prefillAttentionTokens: prefillAttentionTokens)
    }
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

    /// Appends `steps` with the predictions of `model` at arrival (in place, no copy of the window).
    mutating func record(_ steps: [StepObservation], predictedBy model: FamilyParameters) {
        for step in steps {
            let t = step.latencyMs
            let predicted = model.latency(at: step)
            window.append(
                Observation(
                    batchSize: step.batchSize, tokens: step.tokens, latencyMs: t, kvTokens: step.kvTokens,
                    prefillAttentionTokens: step.prefillAttentionTokens, predictedMs: predicted))
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
