import SaturnModel

extension LatencyParameters {
    /// From the wire (no validation: see ``LatencyParameters/isWithin(_:)``).
    public init(_ proto: Saturn_V1_Parameters) {
        self.init(
            pMax: proto.pMax, kB: proto.kB, kS: proto.kS, w0: proto.w0, w1: proto.w1, tau0: proto.tau0,
            tauB: proto.tauB, tauS: proto.tauS)
    }

    /// To the wire.
    public var proto: Saturn_V1_Parameters {
        var p = Saturn_V1_Parameters()
        p.pMax = pMax
        p.kB = kB
        p.kS = kS
        p.w0 = w0
        p.w1 = w1
        p.tau0 = tau0
        p.tauB = tauB
        p.tauS = tauS
        return p
    }
}
