import SaturnWire
import ZMQ

/// The ZAP handler's decisions (socket-free, like ``PeerTracker``): which client key each agent socket admits,
/// from an ``AllowList`` that is re-read when its directory changes. The socket thread owns the ZAP socket and
/// asks this for each request.
///
/// Roles by socket (its ZAP domain): `telemetry` admits `workers`; `query` admits `routers` and `peers` (a peer
/// fetches snapshots from the query socket); `broadcast` admits `peers`.
struct Authenticator {
    /// What to answer one ZAP request.
    enum Decision: Equatable {
        /// Admit, with the key as the connection's user id.
        case allow(userID: String)
        /// Refuse; the denial to count (nil for a domain that is not one of the agent's sockets).
        case deny(AuthenticationDenial?)
    }

    let directory: String
    private(set) var allowList: AllowList
    private var signature: [String]
    private var lastCheck: ContinuousClock.Instant
    /// Times the allow-list was re-read after a change.
    private(set) var reloads = 0

    /// Least time between two looks at the directory.
    static let checkInterval: Duration = .seconds(1)

    /// The roles each socket admits.
    static func roles(of socket: AuthenticationDenial.Socket) -> [AllowList.Role] {
        switch socket {
        case .telemetry: [.workers]
        case .query: [.routers, .peers]
        case .broadcast: [.peers]
        }
    }

    /// - Throws: ``AgentError`` (`invalidConfiguration`) when `directory` is not a directory.
    init(directory: String, now: ContinuousClock.Instant) throws(AgentError) {
        self.directory = directory
        signature = AllowList.signature(directory: directory)
        allowList = try AllowList.load(directory: directory)
        lastCheck = now
    }

    /// Re-reads the allow-list if a key file or role directory changed, looking at most once per
    /// ``checkInterval``.
    /// - Returns: true when it was re-read.
    mutating func refreshIfDue(now: ContinuousClock.Instant) -> Bool {
        guard now - lastCheck >= Self.checkInterval else { return false }
        lastCheck = now
        let current = AllowList.signature(directory: directory)
        guard current != signature, let list = try? AllowList.load(directory: directory) else { return false }
        signature = current
        allowList = list
        reloads += 1
        return true
    }

    /// The answer to `request`.
    func decide(_ request: ZAPRequest) -> Decision {
        guard let socket = AuthenticationDenial.Socket(rawValue: request.domain) else { return .deny(nil) }
        guard let key = request.curvePublicKey else {
            return .deny(AuthenticationDenial(socket: socket, reason: .notCurve))
        }
        guard allowList.allows(key, in: Self.roles(of: socket)) else {
            return .deny(AuthenticationDenial(socket: socket, reason: .keyNotAllowed))
        }
        return .allow(userID: key)
    }
}
