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
        s.family = model.familyName
        s.termCoefficients = model.coefficients
        s.termDefaults = model.family == .base ? [] : termDefaults.vector
        return s
    }

    /// From the wire, validated: nil when the key is empty or too long, the source or the family is unknown, the
    /// coefficients do not match the family, or the parameters are missing, non-finite or outside the physical
    /// bounds, or a term default is negative, non-finite or absurd (such a set must never reach the model).
    public init?(validating set: Saturn_V1_ParameterSet) {
        let key = ModelKey(set.key)
        guard key.isValid, set.hasParameters, let source = ParameterSource(set.source),
            let model = FamilyParameters(
                family: set.family, base: LatencyParameters(set.parameters), coefficients: set.termCoefficients),
            model.isWithin(.physical), set.termDefaults.count <= ModelTerm.allCases.count,
            set.termDefaults.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= WireLimits.maximumKVContextTokens })
        else {
            return nil
        }
        self.init(
            key: key, model: model, version: set.version, originNode: set.originNode, originEpoch: set.originEpoch,
            sampleCount: set.sampleCount, quality: FitQuality(set.quality), source: source,
            sourceDetail: set.sourceDetail, termDefaults: TermDefaults(vector: set.termDefaults))
    }
}
