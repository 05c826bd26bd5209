import SaturnModel

extension ModelKey {
    /// From the wire (no validation: see ``WireLimits/isValidName(_:)``).
    public init(_ proto: Saturn_V1_ModelKey) { self.init(model: proto.model, hardware: proto.hardware) }

    /// To the wire.
    public var proto: Saturn_V1_ModelKey {
        var k = Saturn_V1_ModelKey()
        k.model = model
        k.hardware = hardware
        return k
    }

    /// True when both names are usable on the wire.
    public var isValid: Bool { WireLimits.isValidName(model) && WireLimits.isValidName(hardware) }
}
