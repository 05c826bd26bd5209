import SaturnModel

/// What the adaptation worker last measured of one key for the health check (DESIGN section 5), published under
/// ``AgentState/monitors`` after every update check.
struct KeyMonitor: Sendable, Equatable {
    /// Relative errors at arrival over the key's last observations (default 1,000).
    var accuracy: AccuracySummary?
    /// Mann-Whitney U, recent relative errors greater than historical ones (nil until there are enough).
    var degradation: DegradationDetector.Result?
    /// Kolmogorov-Smirnov on the current set's residuals, recent against historical (nil until enough).
    var drift: DriftDetector.Result?
    /// ``ParameterDriftRate`` of the last accepted update that replaced a set of the key's own (0 after a first
    /// fit that replaced a prior or a peer's set).
    var parameterDriftRate: Double = 0
    /// Failed candidates (could not be produced, non-finite or outside the bounds) over the recent ones; a
    /// candidate that is valid but not better than the current set is a rejection, not a failure.
    var updateFailureRate: Double = 0
    /// The last choice of model family and its evidence (nil until one ran).
    var familyChoice: FamilyChoice?
    /// Observations the robust gate kept out of the key's fits.
    var rejections = RejectionLog()

    /// Recent mean relative error above which the key is degraded (``AgentConfiguration/errorTrigger``).
    var errorRateThreshold = 0.15

    /// Thresholds of the health check.
    static let parameterDriftRateThreshold = ParameterDriftRate.healthThreshold
    static let updateFailureRateThreshold = 0.05
    /// Observations the error rate needs before it can mark a key degraded.
    static let minimumObservationsForErrorRate = 100

    /// The broken thresholds, in words (empty when healthy).
    var brokenThresholds: [String] {
        var broken: [String] = []
        if let a = accuracy, a.count >= Self.minimumObservationsForErrorRate, a.mean > errorRateThreshold {
            broken.append("error rate \(Self.percent(a.mean)) > \(Self.percent(errorRateThreshold))")
        }
        if parameterDriftRate > Self.parameterDriftRateThreshold {
            broken.append(
                "parameter drift rate \(Self.percent(parameterDriftRate)) > \(Self.percent(Self.parameterDriftRateThreshold))")
        }
        if updateFailureRate > Self.updateFailureRateThreshold {
            broken.append(
                "update failure rate \(Self.percent(updateFailureRate)) > \(Self.percent(Self.updateFailureRateThreshold))")
        }
        if let d = degradation, d.isDegraded { broken.append("degradation alert (p = \(d.pValue))") }
        return broken
    }

    private static func percent(_ x: Double) -> String {
        let v = (x * 1000).rounded() / 10
        return "\(v)%"
    }
}
