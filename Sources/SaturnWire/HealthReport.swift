import SaturnModel

/// The answer to a health query: the node's counters, each key's state, and an overall status.
public struct HealthReport: Sendable, Equatable {
    /// One key's state.
    public struct Key: Sendable, Equatable {
        public var key: ModelKey
        /// Telemetry steps recorded for the key.
        public var observations: UInt64 = 0
        public var fitsAccepted: UInt64 = 0
        public var fitsRejected: UInt64 = 0
        /// Observations the current local fit used (0 when the set is not a local fit).
        public var fittedObservations: UInt64 = 0
        /// Mean relative error of the recent predictions.
        public var recentMeanRelativeError: Double = 0
        /// Where the current set comes from (nil when the key has no set yet).
        public var source: ParameterSource?
        public var version: UInt64 = 0
        /// 95th and 99th percentiles of the recent relative errors.
        public var recentP95RelativeError: Double = 0
        public var recentP99RelativeError: Double = 0
        /// Mann-Whitney U: recent relative errors greater than historical ones.
        public var degradationAlert = false
        /// 1 when not tested.
        public var degradationPValue: Double = 1
        /// Kolmogorov-Smirnov: recent residuals differ from historical ones.
        public var drift = false
        /// 1 when not tested.
        public var driftPValue: Double = 1
        /// Mean relative change of predictions at the last accepted update.
        public var parameterDriftRate: Double = 0
        /// Failed candidates over the recent ones.
        public var updateFailureRate: Double = 0
        /// `ok`, or `degraded: <broken thresholds>`.
        public var status = "ok"
        /// The installed set's family.
        public var family: ModelFamily = .base
        /// The last choice of family and its evidence (nil until one ran).
        public var familyChoice: FamilyChoice?
        /// Observations the robust gate kept out of training and validation, each counted once.
        public var rejectedObservations: UInt64 = 0
        /// The last of them (at most 20), oldest first.
        public var recentRejections: [RejectedObservation] = []

        public init(key: ModelKey) { self.key = key }
    }

    /// One Forward Pass Metrics publisher's counts and liveness.
    public struct ForwardPassSource: Sendable, Equatable {
        public var endpoint: String
        /// The key its steps are recorded under.
        public var key: ModelKey
        /// Messages received, of every kind.
        public var messages: UInt64 = 0
        public var steps: UInt64 = 0
        /// Idle heartbeats (liveness, never steps).
        public var heartbeats: UInt64 = 0
        /// Drops by reason (`malformed`, `unsupported_version`, ...).
        public var drops: [String: UInt64] = [:]
        /// Forward jumps of the sequence number (the message after a gap is still used).
        public var sequenceGaps: UInt64 = 0
        /// Sequence numbers skipped over all gaps.
        public var missedMessages: UInt64 = 0
        /// Times the sequence went back or repeated (a restarted publisher).
        public var sequenceRestarts: UInt64 = 0
        /// Payload keys skipped because this build does not know them.
        public var unknownKeys: UInt64 = 0
        public var lastSequence: UInt64 = 0
        /// Seconds since the last message, step and heartbeat; -1 when there has been none.
        public var secondsSinceMessage: Double = -1
        public var secondsSinceStep: Double = -1
        public var secondsSinceHeartbeat: Double = -1
        /// `worker_id` and `dp_rank` of the last decoded message.
        public var workerID = ""
        public var dpRank: Int64 = 0

        public init(endpoint: String, key: ModelKey) {
            self.endpoint = endpoint
            self.key = key
        }
    }

    public var nodeID = ""
    public var uptimeSeconds = 0.0
    public var telemetryAccepted: UInt64 = 0
    public var queriesAnswered: UInt64 = 0
    public var updatesPublished: UInt64 = 0
    public var updatesAdopted: UInt64 = 0
    public var snapshotsRequested: UInt64 = 0
    /// Non-zero drop and error counters by name: `telemetry.<reason>`, `broadcast.<reason>`, `query.<code>`.
    public var drops: [String: UInt64] = [:]
    /// Keys, sorted.
    public var keys: [Key] = []
    /// `ok`, or `degraded: <why>`.
    public var status = "ok"
    /// The configured Forward Pass Metrics publishers, in configuration order.
    public var forwardPassSources: [ForwardPassSource] = []
    /// The state directory's loads and writes (``StateHealth/path`` empty without one).
    public var state = StateHealth()
    /// Heartbeats sent and heard, and the gaps and silences they revealed.
    public var peerLiveness = PeerLiveness()

    public init() {}
}

extension HealthReport {
    /// From the wire.
    public init(_ proto: Saturn_V1_HealthReply) {
        nodeID = proto.nodeID
        uptimeSeconds = proto.uptimeSeconds
        telemetryAccepted = proto.telemetryAccepted
        queriesAnswered = proto.queriesAnswered
        updatesPublished = proto.updatesPublished
        updatesAdopted = proto.updatesAdopted
        snapshotsRequested = proto.snapshotsRequested
        drops = proto.drops
        status = proto.status
        state = StateHealth(proto.state)
        peerLiveness = PeerLiveness(proto.peerLiveness)
        keys = proto.keys.map { k in
            var key = Key(key: ModelKey(k.key))
            key.observations = k.observations
            key.fitsAccepted = k.fitsAccepted
            key.fitsRejected = k.fitsRejected
            key.fittedObservations = k.fittedObservations
            key.recentMeanRelativeError = k.recentMeanRelativeError
            key.source = ParameterSource(k.source)
            key.version = k.version
            key.recentP95RelativeError = k.recentP95RelativeError
            key.recentP99RelativeError = k.recentP99RelativeError
            key.degradationAlert = k.degradationAlert
            key.degradationPValue = k.degradationPValue
            key.drift = k.drift
            key.driftPValue = k.driftPValue
            key.parameterDriftRate = k.parameterDriftRate
            key.updateFailureRate = k.updateFailureRate
            key.status = k.status
            key.family = ModelFamily(rawValue: k.family) ?? .base
            if k.hasFamilySelection {
                let f = k.familySelection
                key.familyChoice = FamilyChoice(
                    chosen: ModelFamily(rawValue: f.chosen) ?? .base,
                    candidates: f.candidates.compactMap { c in
                        ModelFamily(rawValue: c.family).map {
                            FamilyChoice.Candidate(family: $0, cvMeanRelativeError: c.cvMeanRelativeError)
                        }
                    },
                    rows: Int(clamping: f.rows), rejectedRows: Int(clamping: f.rejectedRows),
                    atObservation: f.atObservation, durationMs: f.durationMs)
            }
            key.rejectedObservations = k.rejectedObservations
            key.recentRejections = k.recentRejections.map { r in
                RejectedObservation(
                    step: StepObservation(
                        batchSize: r.batchSize, tokens: r.tokens, latencyMs: r.latencyMs, kvTokens: r.kvContextTokens,
                        prefillAttentionTokens: r.prefillAttentionTokens),
                    relativeResidual: r.relativeResidual, observation: r.observation)
            }
            return key
        }
        forwardPassSources = proto.fpmSources.map { f in
            var s = ForwardPassSource(endpoint: f.endpoint, key: ModelKey(f.key))
            s.messages = f.messages
            s.steps = f.steps
            s.heartbeats = f.heartbeats
            s.drops = f.drops
            s.sequenceGaps = f.sequenceGaps
            s.missedMessages = f.missedMessages
            s.sequenceRestarts = f.sequenceRestarts
            s.unknownKeys = f.unknownKeys
            s.lastSequence = f.lastSequence
            s.secondsSinceMessage = f.secondsSinceMessage
            s.secondsSinceStep = f.secondsSinceStep
            s.secondsSinceHeartbeat = f.secondsSinceHeartbeat
            s.workerID = f.workerID
            s.dpRank = f.dpRank
            return s
        }
    }

    /// To the wire.
    public var proto: Saturn_V1_HealthReply {
        var r = Saturn_V1_HealthReply()
        r.nodeID = nodeID
        r.uptimeSeconds = uptimeSeconds
        r.telemetryAccepted = telemetryAccepted
        r.queriesAnswered = queriesAnswered
        r.updatesPublished = updatesPublished
        r.updatesAdopted = updatesAdopted
        r.snapshotsRequested = snapshotsRequested
        r.drops = drops
        r.status = status
        r.state = state.proto
        r.peerLiveness = peerLiveness.proto
        r.keys = keys.map { k in
            var h = Saturn_V1_KeyHealth()
            h.key = k.key.proto
            h.observations = k.observations
            h.fitsAccepted = k.fitsAccepted
            h.fitsRejected = k.fitsRejected
            h.fittedObservations = k.fittedObservations
            h.recentMeanRelativeError = k.recentMeanRelativeError
            h.source = k.source?.proto ?? .unspecified
            h.version = k.version
            h.recentP95RelativeError = k.recentP95RelativeError
            h.recentP99RelativeError = k.recentP99RelativeError
            h.degradationAlert = k.degradationAlert
            h.degradationPValue = k.degradationPValue
            h.drift = k.drift
            h.driftPValue = k.driftPValue
            h.parameterDriftRate = k.parameterDriftRate
            h.updateFailureRate = k.updateFailureRate
            h.status = k.status
            h.family = k.family.rawValue
            if let choice = k.familyChoice {
                var f = Saturn_V1_FamilySelection()
                f.chosen = choice.chosen.rawValue
                f.candidates = choice.candidates.map { c in
                    var p = Saturn_V1_FamilyCandidate()
                    p.family = c.family.rawValue
                    p.cvMeanRelativeError = c.cvMeanRelativeError
                    return p
                }
                f.rows = UInt64(choice.rows)
                f.rejectedRows = UInt64(choice.rejectedRows)
                f.atObservation = choice.atObservation
                f.durationMs = choice.durationMs
                h.familySelection = f
            }
            h.rejectedObservations = k.rejectedObservations
            h.recentRejections = k.recentRejections.map { r in
                var p = Saturn_V1_RejectedObservation()
                p.batchSize = r.step.batchSize
                p.tokens = r.step.tokens
                p.kvContextTokens = r.step.kvTokens
                p.prefillAttentionTokens = r.step.prefillAttentionTokens
                p.latencyMs = r.step.latencyMs
                p.relativeResidual = r.relativeResidual
                p.observation = r.observation
                return p
            }
            return h
        }
        r.fpmSources = forwardPassSources.map { s in
            var f = Saturn_V1_FpmSourceHealth()
            f.endpoint = s.endpoint
            f.key = s.key.proto
            f.messages = s.messages
            f.steps = s.steps
            f.heartbeats = s.heartbeats
            f.drops = s.drops
            f.sequenceGaps = s.sequenceGaps
            f.missedMessages = s.missedMessages
            f.sequenceRestarts = s.sequenceRestarts
            f.unknownKeys = s.unknownKeys
            f.lastSequence = s.lastSequence
            f.secondsSinceMessage = s.secondsSinceMessage
            f.secondsSinceStep = s.secondsSinceStep
            f.secondsSinceHeartbeat = s.secondsSinceHeartbeat
            f.workerID = s.workerID
            f.dpRank = s.dpRank
            return f
        }
        return r
    }
}
