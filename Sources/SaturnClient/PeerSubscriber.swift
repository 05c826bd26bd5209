import SaturnModel
import SaturnWire
import ZMQ

/// Listens to an agent's (or a forwarder's) parameter broadcasts; the Swift twin of the Python client's
/// `PeerSubscriber`. Invalid messages are skipped and counted in ``skipped``. Belongs to one thread.
public final class PeerSubscriber {
    private let context: Context
    private let ownsContext: Bool
    private let socket: Socket
    /// Messages that did not decode or validate, by reason.
    public private(set) var skipped: [DropReason: Int] = [:]
    /// Largest accepted payload (as the agent's default).
    public var maximumMessageBytes = 65_536

    /// Subscribes to `endpoint` (a broadcast PUB or a forwarder's XPUB).
    /// - Parameter curve: the agent's public key and this subscriber's pair, for an agent with CURVE on (its
    ///   public key must be in the agent's `peers/` allow-list).
    public init(endpoint: String, context: Context? = nil, curve: CurveCredentials? = nil) throws(ClientError) {
        do throws(ZMQError) {
            if let context { self.context = context } else { self.context = try Context() }
            ownsContext = context == nil
            socket = try Socket(self.context, .sub)
            try socket.subscribe(Topic.parameters)
            try curve?.apply(to: socket)
            try socket.connect(endpoint)
        } catch {
            throw .socket("cannot subscribe to \(endpoint)", error)
        }
    }

    /// The next valid broadcast, or nil when none arrives within `timeout`.
    public func receive(timeout: Duration) throws(ClientError) -> ParameterBroadcast? {
        let deadline = ContinuousClock.now + timeout
        do {
            while true {
                let left = deadline - .now
                guard left > .zero, try socket.waitForInput(milliseconds: max(1, Int(left.inMilliseconds))) else {
                    return nil
                }
                guard let frames = try socket.receive(wait: false) else { continue }
                switch ParameterBroadcast.decode(frames: frames, maximumBytes: maximumMessageBytes) {
                case .success(let b): return b
                case .failure(let reason): skipped[reason, default: 0] += 1
                }
            }
        } catch {
            throw .socket("receiving a broadcast failed", error)
        }
    }

    /// Closes the socket (and the subscriber's own context). Idempotent.
    public func close() {
        socket.close()
        if ownsContext { context.terminate() }
    }

    deinit { socket.close() }
}
