import Foundation

/// A CURVE key file as `saturn keygen NAME` writes it: `NAME.pub` holds the public key, `NAME.key` the public and
/// the secret key, each as a 40-character Z85 text on a `name = "value"` line (czmq's zcert layout, so a czmq
/// certificate reads too; lines starting with `#` and lines without `=` are ignored):
///
/// ```
/// # Saturn CURVE secret key (Z85). Keep it private: mode 0600.
/// public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
/// secret-key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
/// ```
///
/// A secret key file readable or writable by anyone but its owner (mode wider than 0600) is refused.
public struct CurveKeyFile: Sendable, Equatable {
    /// The public key (Z85).
    public var publicKey: String
    /// The secret key (Z85), for a `.key` file.
    public var secretKey: String?

    public init(publicKey: String, secretKey: String? = nil) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Why a key file cannot be used.
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        /// The kind of failure.
        public enum Code: Sendable, Equatable {
            /// The file cannot be opened or read (errno in the message).
            case unreadable
            /// No valid `public-key` (or, for a secret key file, `secret-key`) line.
            case malformed
            /// A secret key file with permissions wider than 0600.
            case insecurePermissions
            /// The file exists and overwriting was not asked for.
            case exists
            /// Writing failed.
            case unwritable
        }

        public var code: Code
        public var message: String

        public init(_ code: Code, _ message: String) {
            self.code = code
            self.message = message
        }

        public var description: String { message }
    }

    /// Parses the text of a key file.
    /// - Parameter requireSecret: true for a `.key` file (a `secret-key` line is required).
    /// - Throws: ``Error`` (`malformed`) naming the problem.
    public init(text: String, requireSecret: Bool) throws(Error) {
        var publicKey: String?
        var secretKey: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
            let name = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            switch name {
            case "public-key": publicKey = value
            case "secret-key": secretKey = value
            default: continue
            }
        }
        guard let publicKey else { throw Error(.malformed, "no public-key line") }
        guard Self.isZ85Key(publicKey) else { throw Error(.malformed, "public-key is not a 40-character Z85 key") }
        if let secretKey, !Self.isZ85Key(secretKey) {
            throw Error(.malformed, "secret-key is not a 40-character Z85 key")
        }
        if requireSecret && secretKey == nil { throw Error(.malformed, "no secret-key line (is this a .pub file?)") }
        self.init(publicKey: publicKey, secretKey: requireSecret ? secretKey : nil)
    }

    /// Reads a public key file (`NAME.pub`; a `.key` file also works, its secret is then ignored).
    /// - Throws: ``Error`` naming the path.
    public static func readPublic(path: String) throws(Error) -> CurveKeyFile {
        let text = try read(path, secret: false)
        do {
            return try CurveKeyFile(text: text, requireSecret: false)
        } catch {
            throw Error(error.code, "\(path): \(error.message)")
        }
    }

    /// Reads a secret key file (`NAME.key`), refusing one with permissions wider than 0600.
    /// - Throws: ``Error`` naming the path (`insecurePermissions` with the mode and the fix).
    public static func readSecret(path: String) throws(Error) -> CurveKeyFile {
        let text = try read(path, secret: true)
        do {
            return try CurveKeyFile(text: text, requireSecret: true)
        } catch {
            throw Error(error.code, "\(path): \(error.message)")
        }
    }

    /// The text of the public key file.
    public var publicText: String {
        "# Saturn CURVE public key (Z85). Give it to the agents that must admit its owner.\n"
            + "public-key = \"\(publicKey)\"\n"
    }

    /// The text of the secret key file (public and secret key).
    public var secretText: String {
        "# Saturn CURVE secret key (Z85). Keep it private: mode 0600.\n"
            + "public-key = \"\(publicKey)\"\n" + "secret-key = \"\(secretKey ?? "")\"\n"
    }

    /// Writes `NAME.key` (mode 0600) and `NAME.pub` (mode 0644) for `base` = NAME.
    /// - Parameter overwrite: replace existing files (else an existing one is an error and nothing is written).
    /// - Throws: ``Error`` (`exists`, `unwritable`).
    public func write(base: String, overwrite: Bool) throws(Error) {
        precondition(secretKey != nil, "a key pair needs its secret key")
        let keyPath = base + ".key", pubPath = base + ".pub"
        if !overwrite {
            for p in [keyPath, pubPath] where FileManager.default.fileExists(atPath: p) {
                throw Error(.exists, "\(p) exists (use --force to replace it)")
            }
        }
        try Self.create(keyPath, secretText, mode: 0o600)
        try Self.create(pubPath, publicText, mode: 0o644)
    }

    /// True when `text` is 40 characters of the Z85 alphabet (a 32-byte key).
    public static func isZ85Key(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy { z85Alphabet.contains($0) }
    }

    private static let z85Alphabet = Set(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    private static func read(_ path: String, secret: Bool) throws(Error) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Error(.unreadable, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Error(.unreadable, "cannot stat \(path)") }
        let mode = st.st_mode & 0o777
        if secret && mode & 0o177 != 0 {
            throw Error(
                .insecurePermissions,
                "\(path): secret key file has mode 0\(String(mode, radix: 8)), wider than 0600 (chmod 600 \(path))")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw Error(.unreadable, "cannot read \(path)") }
            if n == 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > 65_536 { throw Error(.malformed, "\(path): larger than 64 KiB, not a key file") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Creates `path` afresh with `mode` (so a replaced file never keeps wider permissions), writes and syncs it.
    private static func create(_ path: String, _ text: String, mode: mode_t) throws(Error) {
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw Error(.unwritable, "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // The umask may have narrowed the mode; set it exactly.
        let bytes = Array(text.utf8)
        let ok = fchmod(fd, mode) == 0
            && bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) } == bytes.count
            && fsync(fd) == 0
        guard ok else { throw Error(.unwritable, "cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
