import SaturnModel

/// What a decision rests on: the key's parameter set (version, provenance) and its recent accuracy. Every
/// decision reply carries one, as ``Prediction`` does for a predict reply.
public struct DecisionBasis: Sendable, Hashable {
    /// Version of the parameter set used (0 for priors).
    public var version: UInt64
    /// Where that set comes from.
    public var source: ParameterSource
    /// Mean relative error of the key's recent predictions (0 when there are none).
    public var recentMeanRelativeError: Double
    /// Their 95th percentile (0 until the monitor has measured it).
    public var recentP95RelativeError: Double
    /// Observations behind the mean.
    public var recentObservations: UInt64
    /// The base set the decision used: for a richer family, its base with the set's ``TermDefaults`` folded into
    /// `τ_B` and `τ_S` (``ParameterSnapshot/decisionParameters``).
    public var parameters: LatencyParameters
    /// The node that fitted the set (empty for priors).
    public var originNode: String
    /// The installed set's family member.
    public var family: ModelFamily = .base
    /// Its term coefficients, in ``ModelFamily/terms`` order (empty for ``ModelFamily/base``).
    public var termCoefficients: [Double] = []

    /// Memberwise initialiser.
    public init(
        version: UInt64, source: ParameterSource, recentMeanRelativeError: Double, recentP95RelativeError: Double,
        recentObservations: UInt64, parameters: LatencyParameters, originNode: String
    ) {
        self.version = version
        self.source = source
        self.recentMeanRelativeError = recentMeanRelativeError
        self.recentP95RelativeError = recentP95RelativeError
        self.recentObservations = recentObservations
        self.parameters = parameters
        self.originNode = originNode
    }

    /// From the wire; nil when the source is unknown to this build.
    public init?(_ proto: Saturn_V1_DecisionBasis) {
        guard let source = ParameterSource(proto.source) else { return nil }
        self.init(
            version: proto.version, source: source, recentMeanRelativeError: proto.recentMeanRelativeError,
            recentP95RelativeError: proto.recentP95RelativeError, recentObservations: proto.recentObservations,
            parameters: LatencyParameters(proto.parameters), originNode: proto.originNode)
        family = ModelFamily(rawValue: proto.family) ?? .base
        termCoefficients = proto.termCoefficients
    }

    /// To the wire.
    public var proto: Saturn_V1_DecisionBasis {
        var p = Saturn_V1_DecisionBasis()
        p.version = version
        p.source = source.proto
        p.recentMeanRelativeError = recentMeanRelativeError
        p.recentP95RelativeError = recentP95RelativeError
        p.recentObservations = recentObservations
        p.parameters = parameters.proto
        p.originNode = originNode
        p.family = family.rawValue
        p.termCoefficients = termCoefficients
        return p
    }
}

/// A decision answered over the bus: the value and the basis it rests on.
public struct Decided<Value: Sendable & Equatable>: Sendable, Equatable {
    /// The decision.
    public var value: Value
    /// The parameter set and accuracy behind it.
    public var basis: DecisionBasis

    /// Memberwise initialiser.
    public init(value: Value, basis: DecisionBasis) {
        self.value = value
        self.basis = basis
    }
}
