import Foundation

/// The state directory of `saturn agent --state-dir DIR`: reads `DIR/agent-state.bin` at start and replaces it
/// atomically afterwards (write a temporary file, fsync it, rename it over the old one, fsync the directory), so
/// that a crash at any moment leaves either the previous file or the new one, never a mix. Used by the
/// adaptation thread (and once at start and stop), never by the socket thread.
///
/// Why a whole-file atomic replace of a compact protobuf file rather than SQLite (GRDB): the state is small (a set
/// per key and the last 100 update records per key, about 25 kB per key), it is written whole at most a few times a
/// second, and the reader must keep the readable parts of a damaged file, which per-record checksums give
/// directly; SQLite would add a C library and several minutes of CI build for no durability gain here.
final class StateStore: Sendable {
    /// The directory.
    let directory: String
    /// The state file inside it.
    var path: String { directory + "/" + Self.fileName }
    static let fileName = "agent-state.bin"

    /// A failed file operation: what was done, and errno.
    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var errno: Int32
        var description: String { "\(operation): \(String(cString: strerror(errno))) (errno \(errno))" }
    }

    /// Creates the directory when it does not exist.
    /// - Throws: ``Failure`` when it cannot be created or is not a directory.
    init(directory: String) throws(Failure) {
        self.directory = directory
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            if mkdir(directory, 0o755) != 0 && Glibc.errno != EEXIST {
                throw Failure(operation: "mkdir \(directory)", errno: Glibc.errno)
            }
        } else if !isDirectory.boolValue {
            throw Failure(operation: "\(directory) is not a directory", errno: ENOTDIR)
        }
    }

    /// The file's bytes, or nil when there is no file.
    /// - Throws: ``Failure`` when it exists and cannot be read.
    func read() throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if Glibc.errno == ENOENT { return nil }
            throw Failure(operation: "open \(path)", errno: Glibc.errno)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw Failure(operation: "read \(path)", errno: Glibc.errno)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<n])
        }
    }

    /// Replaces the file with `bytes` atomically and durably.
    /// - Throws: ``Failure``; the previous file is then intact (a temporary file may be left, and is replaced by
    ///   the next write).
    func write(_ bytes: [UInt8]) throws(Failure) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(operation: "open \(temporary)", errno: Glibc.errno) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                let e = Glibc.errno
                close(fd)
                throw Failure(operation: "write \(temporary)", errno: e)
            }
            written += n
        }
        if fsync(fd) != 0 {
            let e = Glibc.errno
            close(fd)
            throw Failure(operation: "fsync \(temporary)", errno: e)
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw Failure(operation: "rename to \(path)", errno: Glibc.errno) }
        // The rename is durable once the directory entry is.
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw Failure(operation: "open \(directory)", errno: Glibc.errno) }
        defer { close(dir) }
        if fsync(dir) != 0 { throw Failure(operation: "fsync \(directory)", errno: Glibc.errno) }
    }

    /// Moves a damaged file aside (`agent-state.bin.damaged-<ns>`), so that the next write does not destroy the
    /// evidence. Returns the new path, or nil when it could not be moved.
    func setDamagedFileAside(suffix: UInt64) -> String? {
        let aside = "\(path).damaged-\(suffix)"
        return rename(path, aside) == 0 ? aside : nil
    }
}
