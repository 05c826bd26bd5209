import SaturnWire

/// Envelope splitting of the query socket's messages: a split envelope routes a reply back with the same routing
/// frames, and its payload is the message's last frame.
enum EnvelopeHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        let frames = FrameSplit.frames(input)
        guard let e = Envelope(frames: frames) else { return }
        guard frames.last == e.payload else { fatalError("the payload is not the last frame") }
        let reply = e.reply([1, 2, 3])
        guard reply.dropLast() == ArraySlice(e.routing), reply.last == [1, 2, 3] else {
            fatalError("the reply does not keep the routing frames")
        }
    }
}
