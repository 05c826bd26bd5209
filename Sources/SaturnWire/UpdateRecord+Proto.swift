import SaturnModel

extension UpdatePath {
    /// From the wire; nil for `UNSPECIFIED` and values this build does not know.
    public init?(_ proto: Saturn_V1_UpdatePath) {
        switch proto {
        case .updater: self = .updater
        case .refit: self = .refit
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }

    /// To the wire.
    public var proto: Saturn_V1_UpdatePath {
        switch self {
        case .updater: .updater
        case .refit: .refit
        }
    }
}

extension UpdateTrigger {
    /// From the wire; nil for `UNSPECIFIED` and values this build does not know.
    public init?(_ proto: Saturn_V1_UpdateTrigger) {
        switch proto {
        case .coldStart: self = .coldStart
        case .drift: self = .drift
        case .updaterFailing: self = .updaterFailing
        case .error: self = .error
        case .observations: self = .observations
        case .interval: self = .interval
        case .family: self = .family
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }

    /// To the wire.
    public var proto: Saturn_V1_UpdateTrigger {
        switch self {
        case .coldStart: .coldStart
        case .drift: .drift
        case .updaterFailing: .updaterFailing
        case .error: .error
        case .observations: .observations
        case .interval: .interval
        case .family: .family
        }
    }
}

extension UpdateRecord {
    /// From the wire; nil when the key, path, trigger or family is missing or unknown (or the coefficients do not
    /// match the family).
    public init?(_ proto: Saturn_V1_UpdateRecord) {
        let key = ModelKey(proto.key)
        guard key.isValid, let path = UpdatePath(proto.path), let trigger = UpdateTrigger(proto.trigger),
            let model = FamilyParameters(
                family: proto.family, base: LatencyParameters(proto.parameters), coefficients: proto.termCoefficients)
        else {
            return nil
        }
        self.init(
            key: key, timeUnixNs: proto.timeUnixNs, path: path, trigger: trigger, accepted: proto.accepted,
            reason: proto.reason, validationLossCurrent: proto.validationLossCurrent,
            validationLossCandidate: proto.validationLossCandidate, trainingLossBefore: proto.trainingLossBefore,
            trainingLossAfter: proto.trainingLossAfter, parameters: LatencyParameters(proto.parameters),
            version: proto.version, trainingRows: Int(clamping: proto.trainingRows),
            validationRows: Int(clamping: proto.validationRows), durationMs: proto.durationMs, cpuMs: proto.cpuMs,
            windowRows: Int(clamping: proto.windowRows), gatedRows: Int(clamping: proto.gatedRows))
        self.model = model
    }

    /// To the wire.
    public var proto: Saturn_V1_UpdateRecord {
        var r = Saturn_V1_UpdateRecord()
        r.key = key.proto
        r.timeUnixNs = timeUnixNs
        r.path = path.proto
        r.trigger = trigger.proto
        r.accepted = accepted
        r.reason = reason
        r.validationLossCurrent = validationLossCurrent
        r.validationLossCandidate = validationLossCandidate
        r.trainingLossBefore = trainingLossBefore
        r.trainingLossAfter = trainingLossAfter
        r.parameters = parameters.proto
        r.version = version
        r.trainingRows = UInt64(trainingRows)
        r.validationRows = UInt64(validationRows)
        r.durationMs = durationMs
        r.cpuMs = cpuMs
        r.windowRows = UInt64(windowRows)
        r.family = model.familyName
        r.termCoefficients = model.coefficients
        r.gatedRows = UInt64(gatedRows)
        return r
    }
}
