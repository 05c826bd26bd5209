import SaturnModel

/// How a decision query asks for its safety margin: a fixed fraction, or derived from the key's recent p95
/// relative error by ``AdmissionOptions/safetyMargin(p95RelativeError:multiplier:)`` (`auto` on the wire).
public enum SafetyMarginSpec: Sendable, Hashable {
    /// A fixed margin `m ∈ [0, 1)`.
    case fixed(Double)
    /// `k·e / (1 + k·e)` clamped to `[0, 0.5]`, with `e` the key's recent p95 relative error and `k` the multiplier.
    case automatic(multiplier: Double)

    /// The margin for a key whose recent p95 relative error is `p95` (0 when unmeasured).
    public func resolved(p95RelativeError p95: Double) -> Double {
        switch self {
        case .fixed(let m): m
        case .automatic(let k): AdmissionOptions.safetyMargin(p95RelativeError: p95, multiplier: k)
        }
    }
}

extension SafetyMarginSpec {
    /// From the wire, validated: a fixed margin must be finite in `[0, 1)`, a multiplier finite in `[0, 100]`
    /// (0 means 1). An unset message is `fallback`.
    init(validating proto: Saturn_V1_SafetyMargin?, fallback: SafetyMarginSpec = .fixed(0)) throws(QueryError) {
        guard let proto else {
            self = fallback
            return
        }
        if proto.autoSafetyMargin {
            let k = proto.marginMultiplier == 0 ? 1 : proto.marginMultiplier
            guard k.isFinite, k > 0, k <= 100 else {
                throw DecisionValidation.invalid("margin.margin_multiplier must be finite and in [0, 100], got \(k)")
            }
            self = .automatic(multiplier: k)
        } else {
            let m = proto.safetyMargin
            guard m.isFinite, m >= 0, m < 1 else {
                throw DecisionValidation.invalid("margin.safety_margin must be finite and in [0, 1), got \(m)")
            }
            self = .fixed(m)
        }
    }

    /// To the wire.
    public var proto: Saturn_V1_SafetyMargin {
        var p = Saturn_V1_SafetyMargin()
        switch self {
        case .fixed(let m): p.safetyMargin = m
        case .automatic(let k):
            p.autoSafetyMargin = true
            p.marginMultiplier = k
        }
        return p
    }
}
