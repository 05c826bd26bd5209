import SaturnWire

/// The kind of a query, by its request body: the `kind` label of the query metrics.
public enum QueryKind: String, CaseIterable, Sendable, Hashable {
    case predict
    case parameters
    case health
    case updateHistory = "update_history"
    case slaInverse = "sla_inverse"
    case capacity
    case admission
    case allocation
    case plan
    /// A message whose request could not be read (bad envelope, not a `Request`, too large, unsupported version)
    /// or that has no body this agent knows.
    case unknown

    /// The kind of a decoded request's body.
    init(_ body: Saturn_V1_Request.OneOf_Body?) {
        switch body {
        case .predict?: self = .predict
        case .parameters?: self = .parameters
        case .health?: self = .health
        case .updateHistory?: self = .updateHistory
        case .slaInverse?: self = .slaInverse
        case .capacity?: self = .capacity
        case .admission?: self = .admission
        case .allocation?: self = .allocation
        case .plan?: self = .plan
        case nil: self = .unknown
        }
    }
}
