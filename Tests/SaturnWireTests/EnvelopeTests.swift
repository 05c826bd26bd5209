import SaturnWire
import Testing

/// `Envelope`: the ROUTER's routing frames and payload.
struct EnvelopeTests {
    @Test func envelopesFromREQAndDEALER() {
        #expect(Envelope(frames: [[1], [], [9]]) == Envelope(routing: [[1], []], payload: [9]))
        #expect(Envelope(frames: [[1], [9]]) == Envelope(routing: [[1]], payload: [9]))
        #expect(Envelope(frames: [[1], [2], [], [9]]) == Envelope(routing: [[1], [2], []], payload: [9]))  // via a proxy
        #expect(Envelope(frames: [[9]]) == nil)
        #expect(Envelope(frames: [[1], [2], [3]]) == nil)
        #expect(Envelope(frames: [[1], [], [2], [3]]) == nil)
    }
}
