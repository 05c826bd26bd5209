import SaturnWire
import ZMQ

/// What a client needs to reach a CURVE-protected agent: the agent's public key (its server key) and the
/// client's own pair, whose public key must be on the agent's allow-list for the client's role
/// (`workers/`, `routers/` or `peers/`).
///
/// ```swift
/// let curve = try CurveCredentials(serverKeyFile: "agent.pub", secretKeyFile: "router-1.key")
/// let router = try Router(endpoint: "tcp://10.0.0.7:5556", curve: curve)
/// ```
public struct CurveCredentials: Sendable, Equatable {
    /// The agent's public key (Z85).
    public var serverKey: String
    /// This client's pair.
    public var keys: CurveKeyPair

    public init(serverKey: String, keys: CurveKeyPair) {
        self.serverKey = serverKey
        self.keys = keys
    }

    /// Reads the agent's public key file and this client's secret key file (`saturn keygen` format).
    /// - Throws: ``ClientError`` (`socket`) naming the file: unreadable, malformed, a secret key file with
    ///   permissions wider than 0600, a public key that does not match the secret one, or libzmq without CURVE.
    public init(serverKeyFile: String, secretKeyFile: String) throws(ClientError) {
        do {
            let server = try CurveKeyFile.readPublic(path: serverKeyFile)
            let own = try CurveKeyFile.readSecret(path: secretKeyFile)
            let pair: CurveKeyPair
            do {
                try CurveKeyPair.requireCurve()
                pair = try CurveKeyPair(secretKey: own.secretKey ?? "")
            } catch {
                throw ClientError(.socket, "\(secretKeyFile): not a usable CURVE secret key", cause: error)
            }
            guard pair.publicKey == own.publicKey else {
                throw ClientError(.socket, "\(secretKeyFile): public-key does not match secret-key")
            }
            self.init(serverKey: server.publicKey, keys: pair)
        } catch let error as CurveKeyFile.Error {
            throw ClientError(.socket, error.message, cause: error)
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError(.socket, "\(error)")
        }
    }

    /// Makes `socket` a CURVE client of the agent (before it connects).
    func apply(to socket: Socket) throws(ZMQError) {
        try socket.makeCurveClient(serverKey: serverKey, keys: keys)
    }
}
