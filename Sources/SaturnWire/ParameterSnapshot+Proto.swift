import SaturnModel

extension ParameterSnapshot {
    /// The wire form.
    public var proto: Saturn_V1_ParameterSet {
        var s = Saturn_V1_ParameterSet()
        s.key = key.proto
        s.parameters = parameters.proto
        s.version = version
        s.originNode = originNode
        s.originEpoch = originEpoch
        s.sampleCount = sampleCount
        s.quality = quality.proto
        s.source = source.proto
        s.sourceDetail = sourceDetail
        return s
    }

    /// From the wire, validated: nil when the key is empty or too long, the source is unknown, or the parameters
    /// are missing, non-finite or outside the physical bounds (such a set must never reach the model).
    public init?(validating set: Saturn_V1_ParameterSet) {
        let key = ModelKey(set.key)
        let p = LatencyParameters(set.parameters)
        guard key.isValid, set.hasParameters, p.isWithin(.physical), let source = ParameterSource(set.source) else {
            return nil
        }
        self.init(
            key: key, parameters: p, version: set.version, originNode: set.originNode, originEpoch: set.originEpoch,
            sampleCount: set.sampleCount, quality: FitQuality(set.quality), source: source,
            sourceDetail: set.sourceDetail)
    }
}
