/// A ROUTER message split into its routing envelope and its payload.
///
/// `[id, "", payload]` (REQ, or DEALER imitating it) and `[id, payload]` (bare DEALER) are accepted; the
/// envelope is every frame before the payload and is echoed unchanged in front of the reply.
public struct Envelope: Sendable, Equatable {
    /// The frames to put in front of the reply.
    public var routing: [[UInt8]]
    /// The request bytes.
    public var payload: [UInt8]

    public init(routing: [[UInt8]], payload: [UInt8]) {
        self.routing = routing
        self.payload = payload
    }

    /// Splits `frames`; nil when they do not form one of the accepted layouts.
    public init?(frames: [[UInt8]]) {
        guard frames.count >= 2 else { return nil }
        if let delimiter = frames.firstIndex(where: { $0.isEmpty }), delimiter >= 1 {
            guard delimiter == frames.count - 2 else { return nil }
            routing = Array(frames[...delimiter])
            payload = frames[frames.count - 1]
            return
        }
        guard frames.count == 2 else { return nil }
        routing = [frames[0]]
        payload = frames[1]
    }

    /// The frames of a reply to this request.
    public func reply(_ bytes: [UInt8]) -> [[UInt8]] { routing + [bytes] }
}
