import Foundation
import SaturnWire
import Testing

/// `saturn keygen`'s key files: the format, czmq compatibility, permissions and refusals.
struct CurveKeyFileTests {
    // The key pair of the ZeroMQ guide's CURVE example ("ironhouse"), as czmq prints them.
    static let publicKey = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    static let secretKey = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"

    static func directory() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("saturn-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func writtenFilesReadBackWithTheirModes() throws {
        let d = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let file = CurveKeyFile(publicKey: Self.publicKey, secretKey: Self.secretKey)
        try file.write(base: d + "/agent", overwrite: false)
        #expect(try Self.mode(d + "/agent.key") == 0o600 && Self.mode(d + "/agent.pub") == 0o644)
        #expect(try CurveKeyFile.readSecret(path: d + "/agent.key") == file)
        #expect(try CurveKeyFile.readPublic(path: d + "/agent.pub") == CurveKeyFile(publicKey: Self.publicKey))
        #expect(try CurveKeyFile.readPublic(path: d + "/agent.key").secretKey == nil)
        // A .pub is not a secret key file (even with a secret key file's mode).
        chmod(d + "/agent.pub", 0o600)
        let notSecret = #expect(throws: CurveKeyFile.Error.self) { try CurveKeyFile.readSecret(path: d + "/agent.pub") }
        #expect(notSecret?.code == .malformed)

        let exists = #expect(throws: CurveKeyFile.Error.self) { try file.write(base: d + "/agent", overwrite: false) }
        #expect(exists?.code == .exists && exists?.message.contains("--force") == true)
        // Overwriting a secret key file that was widened gives it mode 0600 again.
        chmod(d + "/agent.key", 0o644)
        try file.write(base: d + "/agent", overwrite: true)
        #expect(try Self.mode(d + "/agent.key") == 0o600)
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o700, 0o666])
    func aSecretKeyFileWiderThan0600IsRefused(mode: Int) throws {
        let d = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try CurveKeyFile(publicKey: Self.publicKey, secretKey: Self.secretKey).write(base: d + "/k", overwrite: false)
        chmod(d + "/k.key", mode_t(mode))
        let error = #expect(throws: CurveKeyFile.Error.self) { try CurveKeyFile.readSecret(path: d + "/k.key") }
        #expect(error?.code == .insecurePermissions)
        #expect(error?.message.contains("wider than 0600") == true && error?.message.contains("chmod 600") == true)
        chmod(d + "/k.key", 0o400)
        #expect(try CurveKeyFile.readSecret(path: d + "/k.key").secretKey == Self.secretKey)
    }

    @Test func aCzmqCertificateParsesAndBadTextIsNamed() throws {
        let czmq = """
            #   ****  Generated on 2026-12-05 by CZMQ  ****
            #   ZeroMQ CURVE **Secret** Certificate
            #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

            metadata
            curve
                public-key = "\(Self.publicKey)"
                secret-key = "\(Self.secretKey)"
            """
        let pair = CurveKeyFile(publicKey: Self.publicKey, secretKey: Self.secretKey)
        #expect(try CurveKeyFile(text: czmq, requireSecret: true) == pair)
        let unquoted = try CurveKeyFile(text: "public-key = \(Self.publicKey)\n", requireSecret: false)
        #expect(unquoted.publicKey == Self.publicKey)
        for (text, expected) in [
            ("", "no public-key line"),
            ("public-key = \"short\"", "not a 40-character Z85 key"),
            ("public-key = \"\(Self.publicKey.dropLast())~\"", "not a 40-character Z85 key"),
            ("public-key = \"\(Self.publicKey)\"\nsecret-key = \"x\"", "secret-key is not"),
        ] {
            let error = #expect(throws: CurveKeyFile.Error.self) { try CurveKeyFile(text: text, requireSecret: false) }
            #expect(error?.message.contains(expected) == true, "\(text): \(String(describing: error))")
        }
        let missing = #expect(throws: CurveKeyFile.Error.self) {
            try CurveKeyFile.readPublic(path: "/nonexistent/x.pub")
        }
        #expect(missing?.code == .unreadable)
    }
}
