import SaturnModel
import SaturnWire

/// `ParameterUpdate` from a peer: decoding and validation. An accepted set is inside the physical bounds (what may
/// reach the model); whatever it is, it round-trips through its own frames.
enum BroadcastHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        let frames = FrameSplit.frames(input)
        guard case .success(let b) = ParameterBroadcast.decode(frames: frames, maximumBytes: 1 << 20) else { return }
        guard b.snapshot.parameters.isWithin(.physical) else {
            fatalError("an accepted broadcast carries parameters outside the physical bounds: \(b.snapshot.parameters)")
        }
        guard case .success(let again) = ParameterBroadcast.decode(frames: b.frames(), maximumBytes: 1 << 20),
            again.snapshot.parameters == b.snapshot.parameters, again.sequence == b.sequence
        else { fatalError("an accepted broadcast does not round-trip") }
    }
}
