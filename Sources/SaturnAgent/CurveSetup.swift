import SaturnWire
import ZMQ

/// What CURVE needs at run time, read and checked from the configuration's key files when the agent is made
/// (so a bad key file fails `Agent.init`, before any socket exists).
struct CurveSetup: Sendable {
    /// This agent's pair: server key of its telemetry, query and broadcast sockets, client key towards peers.
    let keys: CurveKeyPair
    /// The allow-list directory (``Authenticator``).
    let allowDirectory: String
    /// Peers' server keys by endpoint (their broadcast and query endpoints), from
    /// ``AgentConfiguration/Peer/serverKey``.
    let peerServerKeys: [String: String]

    /// The server key of the peer at `endpoint` (a broadcast or query endpoint): the configured one, else this
    /// agent's own public key (a fleet sharing one server key pair).
    func serverKey(for endpoint: String) -> String { peerServerKeys[endpoint] ?? keys.publicKey }

    /// Loads the keys, or returns nil when CURVE is off.
    /// - Throws: ``AgentError`` (`invalidConfiguration`) naming the file: unreadable, malformed, a secret key
    ///   file with permissions wider than 0600, or a public key that does not match the secret one; or libzmq
    ///   without CURVE.
    static func load(_ c: AgentConfiguration) throws(AgentError) -> CurveSetup? {
        guard let keyPath = c.curveKey, let allowDirectory = c.allowDirectory else { return nil }
        guard CurveKeyPair.isCurveAvailable else {
            throw AgentError(.invalidConfiguration, "curveKey: this libzmq has no CURVE (zmq_has(\"curve\") is 0)")
        }
        let keys = try pair(secretKeyFile: keyPath)
        var peerServerKeys: [String: String] = [:]
        for peer in c.peers {
            guard let path = peer.serverKey else { continue }
            let key: String
            do {
                key = try CurveKeyFile.readPublic(path: path).publicKey
            } catch {
                throw AgentError(.invalidConfiguration, "peer serverKey: \(error.message)")
            }
            peerServerKeys[peer.broadcast] = key
            if let q = peer.query { peerServerKeys[q] = key }
        }
        _ = try AllowList.load(directory: allowDirectory)
        return CurveSetup(keys: keys, allowDirectory: allowDirectory, peerServerKeys: peerServerKeys)
    }

    /// The pair in a secret key file, its public key checked against the secret one.
    static func pair(secretKeyFile path: String) throws(AgentError) -> CurveKeyPair {
        let file: CurveKeyFile
        do {
            file = try CurveKeyFile.readSecret(path: path)
        } catch {
            throw AgentError(.invalidConfiguration, "curveKey: \(error.message)")
        }
        let derived: CurveKeyPair
        do {
            derived = try CurveKeyPair(secretKey: file.secretKey ?? "")
        } catch {
            throw AgentError(.invalidConfiguration, "curveKey \(path): not a CURVE secret key", cause: error)
        }
        guard derived.publicKey == file.publicKey else {
            throw AgentError(.invalidConfiguration, "curveKey \(path): public-key does not match secret-key")
        }
        return derived
    }
}
