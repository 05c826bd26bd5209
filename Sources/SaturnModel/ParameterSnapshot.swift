/// One key's current parameters with their provenance: immutable once made, swapped whole, so that a
/// prediction reads one consistent set without holding any lock during computation.
public struct ParameterSnapshot: Sendable, Hashable {
    public var key: ModelKey
    public var parameters: LatencyParameters
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
        self.parameters = parameters
        self.version = version
        self.originNode = originNode
        self.originEpoch = originEpoch
        self.sampleCount = sampleCount
        self.quality = quality
        self.source = source
        self.sourceDetail = sourceDetail
    }
}
