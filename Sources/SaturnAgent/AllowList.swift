import Foundation
import SaturnWire

/// The client public keys an agent admits, per role, read from a directory laid out as czmq's zauth does:
/// `DIR/workers/*.pub` may publish telemetry, `DIR/routers/*.pub` may query, `DIR/peers/*.pub` may subscribe to
/// broadcasts and fetch snapshots. A missing role directory admits nobody in that role; a file that does not
/// parse is skipped and listed in ``problems``.
struct AllowList: Sendable, Equatable {
    /// A role a client key is allowed in.
    enum Role: String, Sendable, CaseIterable {
        case workers, routers, peers
    }

    /// Allowed Z85 public keys per role.
    var keys: [Role: Set<String>] = [:]
    /// Files that could not be read or parsed (skipped), one message each.
    var problems: [String] = []

    /// True when `key` is allowed in any of `roles`.
    func allows(_ key: String, in roles: [Role]) -> Bool {
        roles.contains { keys[$0]?.contains(key) ?? false }
    }

    /// Reads `directory`.
    /// - Throws: ``AgentError`` (`invalidConfiguration`) when `directory` is not a readable directory.
    static func load(directory: String) throws(AgentError) -> AllowList {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AgentError(.invalidConfiguration, "allowDirectory \(directory) is not a directory")
        }
        var list = AllowList()
        for role in Role.allCases {
            var keys = Set<String>()
            for path in publicKeyFiles(directory, role) {
                do {
                    keys.insert(try CurveKeyFile.readPublic(path: path).publicKey)
                } catch {
                    list.problems.append(error.message)
                }
            }
            list.keys[role] = keys
        }
        return list
    }

    /// What changes when a key file is added, removed, replaced or edited: each role directory's and each
    /// `*.pub` file's path, modification time and size (a few `stat`s; compared once a second).
    static func signature(directory: String) -> [String] {
        var lines: [String] = []
        for role in Role.allCases {
            let roleDirectory = directory + "/" + role.rawValue
            lines.append(roleDirectory + " " + stamp(roleDirectory))
            for path in publicKeyFiles(directory, role) { lines.append(path + " " + stamp(path)) }
        }
        return lines
    }

    private static func publicKeyFiles(_ directory: String, _ role: Role) -> [String] {
        let roleDirectory = directory + "/" + role.rawValue
        let names = (try? FileManager.default.contentsOfDirectory(atPath: roleDirectory)) ?? []
        return names.filter { $0.hasSuffix(".pub") }.sorted().map { roleDirectory + "/" + $0 }
    }

    private static func stamp(_ path: String) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { return "absent" }
        return "\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) \(st.st_size) \(st.st_ino)"
    }
}
