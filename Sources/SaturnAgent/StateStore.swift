import Foundation

/// The state directory of `saturn agent --state-dir DIR`: two files, read at start and each replaced atomically
/// afterwards (write a temporary file, fsync it, rename it over the old one, fsync the directory), so that a crash
/// at any moment leaves either the previous file or the new one, never a mix. `agent-state.bin` holds the sets and
/// own versions (about 200 bytes per key: written before every accepted set is installed); `agent-updates.bin`
/// holds the update records (about 25 kB per key: written at most once a second). Used by the adaptation thread
/// (and once at start and stop), never by the socket thread.
///
/// Why whole-file atomic replaces of compact protobuf files rather than SQLite (GRDB): the state is small, it is
/// written whole at most a few times a second, and the reader must keep the readable parts of a damaged file,
/// which per-record checksums give directly; SQLite would add a C library and several minutes of CI build for no
/// durability gain here.
final class StateStore: Sendable {
    /// The directory.
    let directory: String
    /// The files inside it.
    enum File: String, CaseIterable {
        /// Parameter sets and own versions.
        case sets = "agent-state.bin"
        /// Update records.
        case updates = "agent-updates.bin"
    }

    /// The path of `file`.
    func path(_ file: File) -> String { directory + "/" + file.rawValue }

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

    /// The bytes of `file`, or nil when there is no such file.
    /// - Throws: ``Failure`` when it exists and cannot be read.
    func read(_ file: File) throws(Failure) -> [UInt8]? {
        let path = path(file)
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

    /// Replaces `file` with `bytes` atomically and durably.
    /// - Throws: ``Failure``; the previous file is then intact (a temporary file may be left, and is replaced by
    ///   the next write).
    func write(_ bytes: [UInt8], to file: File) throws(Failure) {
        let path = path(file)
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

    /// Moves a damaged file aside (e.g. `agent-state.bin.damaged-<ns>`), so that the next write does not destroy
    /// the evidence. Returns the new path, or nil when it could not be moved.
    func setDamagedFileAside(_ file: File, suffix: UInt64) -> String? {
        let aside = "\(path(file)).damaged-\(suffix)"
        return rename(path(file), aside) == 0 ? aside : nil
    }
}
