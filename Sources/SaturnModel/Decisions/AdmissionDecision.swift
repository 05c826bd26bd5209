/// What ``Admission`` decided for the next step.
public struct AdmissionDecision: Sendable, Hashable {
    /// One admitted request.
    public struct Admitted: Sendable, Hashable {
        /// Its index in the `waiting` list of the query.
        public var waitingIndex: Int
        /// Its id.
        public var id: UInt64
        /// Tokens it adds to the step: its whole ``AdmissionCandidate/tokens``, or fewer for a chunk.
        public var tokens: Double
        /// True when only a prefix (``tokens`` < the request's tokens) was admitted.
        public var isChunk: Bool

        /// Memberwise initialiser.
        public init(waitingIndex: Int, id: UInt64, tokens: Double, isChunk: Bool) {
            self.waitingIndex = waitingIndex
            self.id = id
            self.tokens = tokens
            self.isChunk = isChunk
        }
    }

    /// The admitted requests in admission order.
    public var admitted: [Admitted]
    /// `T(B, S)` of the running batch alone (ms); nil when nothing is running (`T(0, ·)` is undefined).
    public var currentLatencyMs: Double?
    /// `T` of the step with the admissions (ms); nil when nothing runs and nothing was admitted.
    public var predictedLatencyMs: Double?
    /// The SLA the decision kept to: `sla · (1 − margin)` (ms).
    public var effectiveSLAMs: Double
    /// Why the scan ended.
    public var stopReason: AdmissionStopReason

    /// Memberwise initialiser.
    public init(
        admitted: [Admitted], currentLatencyMs: Double?, predictedLatencyMs: Double?, effectiveSLAMs: Double,
        stopReason: AdmissionStopReason
    ) {
        self.admitted = admitted
        self.currentLatencyMs = currentLatencyMs
        self.predictedLatencyMs = predictedLatencyMs
        self.effectiveSLAMs = effectiveSLAMs
        self.stopReason = stopReason
    }
}

/// One step configuration ``Admission`` evaluated: the step as it would be with the candidate at `waitingIndex`
/// (and, for ``AdmissionRule/bestEffort``, every candidate of the run before it) admitted.
public struct AdmissionTraceEntry: Sendable, Hashable {
    /// The candidate's index in `waiting`.
    public var waitingIndex: Int
    /// `B` of the evaluated step (requests).
    public var batchSize: Int
    /// `S` of the evaluated step (tokens).
    public var tokens: Double
    /// `T(B, S)` (ms).
    public var latencyMs: Double
    /// `T ≤` the effective SLA.
    public var fits: Bool

    /// Memberwise initialiser.
    public init(waitingIndex: Int, batchSize: Int, tokens: Double, latencyMs: Double, fits: Bool) {
        self.waitingIndex = waitingIndex
        self.batchSize = batchSize
        self.tokens = tokens
        self.latencyMs = latencyMs
        self.fits = fits
    }
}
