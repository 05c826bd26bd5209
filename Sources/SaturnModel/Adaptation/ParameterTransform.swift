/// How online adaptation treats one parameter of an ``AdaptiveLatencyModel`` (see ``Reparameterisation``).
public enum ParameterTransform: Sendable, Hashable, CaseIterable {
    /// Held at the reference set's value: the parameter is not identifiable from data (the model's
    /// ``AdaptiveLatencyModel/equivalent(pinnedTo:)`` moves any set onto the reference's value without changing a
    /// prediction). `P_max` of ``LatencyParameters``.
    case fixed
    /// Updated as `log θ`: a positive rate whose effect is multiplicative (`k_B`, `k_S`). Its lower bound must be
    /// positive.
    case logarithmic
    /// Updated as `θ` itself: a coefficient that enters T linearly (`w₀`, `w₁`, `τ₀`, `τ_B`, `τ_S`); may sit on a
    /// bound of 0.
    case linear
}
