import SaturnModel

extension ParameterSource {
    /// From the wire; nil for `UNSPECIFIED` and values this build does not know.
    public init?(_ proto: Saturn_V1_ParameterSource) {
        switch proto {
        case .default: self = .generic
        case .shippedPrior: self = .shippedPrior
        case .nearestKey: self = .nearestKey
        case .peer: self = .peer
        case .localFit: self = .localFit
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }

    /// To the wire.
    public var proto: Saturn_V1_ParameterSource {
        switch self {
        case .generic: .default
        case .shippedPrior: .shippedPrior
        case .nearestKey: .nearestKey
        case .peer: .peer
        case .localFit: .localFit
        }
    }
}
