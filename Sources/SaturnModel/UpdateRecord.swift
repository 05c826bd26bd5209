/// Which adaptation path produced a candidate parameter set (DESIGN section 4).
public enum UpdatePath: String, Sendable, Hashable, Codable, CaseIterable {
    /// Momentum-gradient steps from the current set: the incremental path.
    case updater
    /// The offline solver on the window (after a drift, on the observations after the change point).
    case refit
}

/// Why an update was attempted: the first of these that held, in this order of precedence.
public enum UpdateTrigger: String, Sendable, Hashable, Codable, CaseIterable {
    /// A key adapting from its prior before it has rows enough for a refit.
    case coldStart = "cold_start"
    /// Recent residuals differ from historical ones (two-sample Kolmogorov-Smirnov, p < alpha).
    case drift
    /// The updater's last candidates all failed validation.
    case updaterFailing = "updater_failing"
    /// The recent mean relative error is above the threshold.
    case error
    /// Enough new observations since the last update.
    case observations
    /// The minimum interval passed with new observations.
    case interval
    /// Cross-validation on the window chose another model family: a refit in that family.
    case family
}

/// One candidate parameter set and what became of it: the agent keeps the last ones per key, logs each, and
/// answers them over the query socket.
public struct UpdateRecord: Sendable, Hashable {
    public var key: ModelKey
    /// When the decision was made, ns since the Unix epoch.
    public var timeUnixNs: Int64
    public var path: UpdatePath
    public var trigger: UpdateTrigger
    public var accepted: Bool
    /// Why it was accepted or rejected, in words.
    public var reason: String
    /// The current set's loss on the held-out recent observations.
    public var validationLossCurrent: Double
    /// The candidate's loss on the same observations.
    public var validationLossCandidate: Double
    /// The path's own objective at its start and at the candidate (training rows).
    public var trainingLossBefore: Double
    public var trainingLossAfter: Double
    /// The candidate, a member of the model family.
    public var model: FamilyParameters
    /// The candidate's base parameters (all of it for ``ModelFamily/base``).
    public var parameters: LatencyParameters {
        get { model.base }
        set { model.base = newValue }
    }
    /// The version it was installed as (0 when rejected).
    public var version: UInt64
    public var trainingRows: Int
    public var validationRows: Int
    /// Wall time to produce, validate and install (or reject) the candidate, in ms.
    public var durationMs: Double
    /// CPU time the adaptation thread spent on the same span, in ms: the wall time less the time the thread waited
    /// for a core (on a loaded machine a sub-millisecond update can wait a scheduler tick or more). 0 when unknown.
    public var cpuMs: Double
    /// Observations in the window the candidate was built from (training and held out); a refit trains on an evenly
    /// strided subset of them (``trainingRows``). 0 when unknown.
    public var windowRows: Int
    /// Rows of that window the robust gate kept out of training and validation.
    public var gatedRows: Int

    public init(
        key: ModelKey, timeUnixNs: Int64, path: UpdatePath, trigger: UpdateTrigger, accepted: Bool, reason: String,
        validationLossCurrent: Double, validationLossCandidate: Double, trainingLossBefore: Double,
        trainingLossAfter: Double, parameters: LatencyParameters, version: UInt64, trainingRows: Int,
        validationRows: Int, durationMs: Double, cpuMs: Double = 0, windowRows: Int = 0, gatedRows: Int = 0
    ) {
        self.key = key
        self.timeUnixNs = timeUnixNs
        self.path = path
        self.trigger = trigger
        self.accepted = accepted
        self.reason = reason
        self.validationLossCurrent = validationLossCurrent
        self.validationLossCandidate = validationLossCandidate
        self.trainingLossBefore = trainingLossBefore
        self.trainingLossAfter = trainingLossAfter
        self.model = FamilyParameters(family: .base, base: parameters)
        self.version = version
        self.trainingRows = trainingRows
        self.validationRows = validationRows
        self.durationMs = durationMs
        self.cpuMs = cpuMs
        self.windowRows = windowRows
        self.gatedRows = gatedRows
    }
}
