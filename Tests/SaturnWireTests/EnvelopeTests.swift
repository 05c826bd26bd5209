import SaturnWire
import Testing

/// `splitEnvelope`: the ROUTER's routing frames and payload.
struct EnvelopeTests {
    @Test func envelopesFromREQAndDEALER() {
        #expect(splitEnvelope([[1], [], [9]])! == ([[1], []], [9]))
        #expect(splitEnvelope([[1], [9]])! == ([[1]], [9]))
        #expect(splitEnvelope([[1], [2], [], [9]])! == ([[1], [2], []], [9]))  // via a proxy
        #expect(splitEnvelope([[9]]) == nil)
        #expect(splitEnvelope([[1], [2], [3]]) == nil)
        #expect(splitEnvelope([[1], [], [2], [3]]) == nil)
    }
}
