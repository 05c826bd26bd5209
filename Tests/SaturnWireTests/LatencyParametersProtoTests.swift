import SaturnModel
import SaturnWire
import Testing

/// `LatencyParameters` to and from `saturn.v1.Parameters`.
struct LatencyParametersProtoTests {
    @Test func parametersRoundTrip() {
        let p = LatencyParameters(pMax: 1, kB: 2, kS: 0.5, w0: 4, w1: 5, tau0: 6, tauB: 7, tauS: 8)
        #expect(LatencyParameters(p.proto) == p)
    }
}
