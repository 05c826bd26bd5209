import SaturnModel

/// The answer to a predict query: the step latency, and what it rests on.
public struct Prediction: Sendable, Equatable {
    /// Predicted step latency in ms.
    public var latencyMs: Double
    /// Version of the parameter set used (0 for priors).
    public var version: UInt64
    /// Where that set comes from.
    public var source: ParameterSource
    /// Mean relative error of the key's recent predictions (0 when there are none).
    public var recentMeanRelativeError: Double
    /// Observations behind ``recentMeanRelativeError``.
    public var recentObservations: UInt64
    /// The set's base parameters (with ``family`` and ``termCoefficients``, the whole set).
    public var parameters: LatencyParameters
    /// The node that fitted the set (empty for priors).
    public var originNode: String
    /// The installed set's family member.
    public var family: ModelFamily = .base
    /// Its term coefficients, in ``ModelFamily/terms`` order (empty for ``ModelFamily/base``).
    public var termCoefficients: [Double] = []
    /// The set's term defaults (what a request without `K` or `Q` was given).
    public var termDefaults = TermDefaults()

    /// The set the prediction used, or nil when its family is unknown to this build or the coefficients do not
    /// match it.
    public var model: FamilyParameters? {
        FamilyParameters(family: family.rawValue, base: parameters, coefficients: termCoefficients)
    }

    /// The base set the agent's decisions use for this set (``FamilyParameters/effectiveBase(_:)``): ``parameters``
    /// for a base set.
    public var decisionParameters: LatencyParameters { model?.effectiveBase(termDefaults) ?? parameters }

    public init(latencyMs: Double, version: UInt64, source: ParameterSource, recentMeanRelativeError: Double,
                recentObservations: UInt64, parameters: LatencyParameters, originNode: String) {
        self.latencyMs = latencyMs
        self.version = version
        self.source = source
        self.recentMeanRelativeError = recentMeanRelativeError
        self.recentObservations = recentObservations
        self.parameters = parameters
        self.originNode = originNode
    }
}

extension Prediction {
    /// From the wire; nil when the source is unknown to this build (an unknown family reads as base, with the
    /// coefficients as sent).
    public init?(_ proto: Saturn_V1_PredictReply) {
        guard let source = ParameterSource(proto.source) else { return nil }
        self.init(
            latencyMs: proto.latencyMs, version: proto.version, source: source,
            recentMeanRelativeError: proto.recentMeanRelativeError, recentObservations: proto.recentObservations,
            parameters: LatencyParameters(proto.parameters), originNode: proto.originNode)
        family = ModelFamily(rawValue: proto.family) ?? .base
        termCoefficients = proto.termCoefficients
        termDefaults = TermDefaults(vector: proto.termDefaults)
    }

    /// To the wire.
    public var proto: Saturn_V1_PredictReply {
        var r = Saturn_V1_PredictReply()
        r.latencyMs = latencyMs
        r.version = version
        r.source = source.proto
        r.recentMeanRelativeError = recentMeanRelativeError
        r.recentObservations = recentObservations
        r.parameters = parameters.proto
        r.originNode = originNode
        r.family = family.rawValue
        r.termCoefficients = termCoefficients
        r.termDefaults = family == .base ? [] : termDefaults.vector
        return r
    }
}
