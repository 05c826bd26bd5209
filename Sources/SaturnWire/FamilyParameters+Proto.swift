import SaturnModel

extension FamilyParameters {
    /// From the wire fields of a set (`family`, `parameters`, `term_coefficients`); nil when the family is unknown to
    /// this build or the coefficients do not match it. Not otherwise validated: see ``FamilyParameters/isWithin(_:)``.
    public init?(family name: String, base: LatencyParameters, coefficients: [Double]) {
        guard let family = name.isEmpty ? ModelFamily.base : ModelFamily(rawValue: name),
            coefficients.count == family.terms.count
        else { return nil }
        self.init(family: family, base: base, coefficients: Dictionary(uniqueKeysWithValues: zip(family.terms, coefficients)))
    }

    /// The wire name of the family (`base`, `kv`, `kvq`).
    public var familyName: String { family.rawValue }
}
