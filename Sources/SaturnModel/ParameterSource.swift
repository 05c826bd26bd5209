/// Where a key's current parameter set comes from (DESIGN section 3, the registry).
public enum ParameterSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// Fitted by this node on its own observations.
    case localFit = "local_fit"
    /// Taken from a peer agent's broadcast or snapshot.
    case peer
    /// Borrowed from the known key with the same hardware and the nearest model size.
    case nearestKey = "nearest_key"
    /// A prior shipped with Saturn (fits of the real tables in `data/`).
    case shippedPrior = "shipped_prior"
    /// The generic default set.
    case generic = "default"

    /// True for sets fitted on observations (this node's or a peer's), as opposed to priors.
    public var isFitted: Bool { self == .localFit || self == .peer }
}
