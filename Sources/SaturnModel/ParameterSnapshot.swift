/// One key's current parameters with their provenance: immutable once made, swapped whole, so that a
/// prediction reads one consistent set without holding any lock during computation.
public struct ParameterSnapshot: Sendable, Hashable {
    public var key: ModelKey
    /// The set: a member of the model family (``ModelFamily/base`` unless the key's evidence chose a richer one).
    public var model: FamilyParameters
    /// The set's eight base parameters (all of it for ``ModelFamily/base``).
    public var parameters: LatencyParameters {
        get { model.base }
        set { model.base = newValue }
    }
    /// What a prediction assumes for `K` and `Q` when not given (from the key's newest steps when the set was made;
    /// zero for steps without `K` and `Q`; a base set does not use them).
    public var termDefaults = TermDefaults()
    /// The base set the decisions use: the set with ``termDefaults`` folded into `τ_B` and `τ_S`
    /// (``FamilyParameters/effectiveBase(_:)``); ``parameters`` itself for a base set.
    public var decisionParameters: LatencyParameters { model.effectiveBase(termDefaults) }
    /// Per-key version at the origin (0 for priors).
    public var version: UInt64
    /// The node that fitted the set (empty for priors).
    public var originNode: String
    /// The origin's start time in ns since the epoch: a restarted origin has a larger one.
    public var originEpoch: UInt64
    /// Observations in the window the set was fitted on.
    public var sampleCount: UInt64
    /// In-sample quality of the fit.
    public var quality: FitQuality
    public var source: ParameterSource
    /// Human-readable detail: which prior, which peer, how many rows.
    public var sourceDetail: String

    public init(
        key: ModelKey, parameters: LatencyParameters, version: UInt64 = 0, originNode: String = "",
        originEpoch: UInt64 = 0, sampleCount: UInt64 = 0, quality: FitQuality = FitQuality(),
        source: ParameterSource, sourceDetail: String = ""
    ) {
        self.key = key
        self.model = FamilyParameters(family: .base, base: parameters)
        self.version = version
        self.originNode = originNode
        self.originEpoch = originEpoch
        self.sampleCount = sampleCount
        self.quality = quality
        self.source = source
        self.sourceDetail = sourceDetail
    }

    /// A snapshot of a set of any family member.
    public init(
        key: ModelKey, model: FamilyParameters, version: UInt64 = 0, originNode: String = "", originEpoch: UInt64 = 0,
        sampleCount: UInt64 = 0, quality: FitQuality = FitQuality(), source: ParameterSource, sourceDetail: String = "",
        termDefaults: TermDefaults = TermDefaults()
    ) {
        self.init(
            key: key, parameters: model.base, version: version, originNode: originNode, originEpoch: originEpoch,
            sampleCount: sampleCount, quality: quality, source: source, sourceDetail: sourceDetail)
        self.model = model
        self.termDefaults = termDefaults
    }
}
