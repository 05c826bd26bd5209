import SaturnWire

/// `ParameterHeartbeat` from a peer: decoded and validated, or dropped with a reason; an accepted heartbeat
/// round-trips through its own frames.
enum HeartbeatHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard case .success(let h) = ParameterHeartbeat.decode(payload: Array(input), maximumBytes: 1 << 20) else {
            return
        }
        let again = ParameterHeartbeat.decode(payload: h.frames()[1], maximumBytes: 1 << 20)
        guard h.interval > .zero, again == .success(h) else {
            fatalError("an accepted heartbeat does not round-trip: \(h)")
        }
    }
}
