import ArgumentParser
import SaturnWire
import ZMQ

/// `saturn keygen NAME`: a CURVE key pair as `NAME.key` (secret, mode 0600) and `NAME.pub` (public).
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a CURVE key pair: NAME.key (secret, mode 0600) and NAME.pub (public).",
        discussion: """
            Both files are text, one `name = "Z85 key"` line per key (czmq's zcert layout): NAME.pub has \
            public-key, NAME.key has public-key and secret-key. Give NAME.pub to the agents that must admit you \
            (copy it into their allow directory's workers/, routers/ or peers/) or to the clients of your agent; \
            keep NAME.key private. The agent and the clients refuse a secret key file with wider permissions \
            than 0600.
            """)

    @Argument(help: "Path of the key pair without extension (writes NAME.key and NAME.pub).")
    var name: String

    @Flag(help: "Replace existing NAME.key / NAME.pub.")
    var force = false

    func run() throws {
        let pair: CurveKeyPair
        do {
            try CurveKeyPair.requireCurve()
            pair = try CurveKeyPair.generate()
        } catch {
            throw CLIError("keygen: \(error)")
        }
        do {
            try CurveKeyFile(publicKey: pair.publicKey, secretKey: pair.secretKey).write(base: name, overwrite: force)
        } catch {
            throw CLIError("keygen: \(error.message)")
        }
        print("wrote \(name).key (secret, mode 0600) and \(name).pub (public key \(pair.publicKey))")
    }
}
