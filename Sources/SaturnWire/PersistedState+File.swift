import SaturnModel
import SwiftProtobuf

extension PersistedState {
    /// The first bytes of a state file (format 1).
    public static let magic: [UInt8] = Array("SATSTAT1".utf8)
    /// Largest record accepted when reading (a longer length field is damage, not a record).
    public static let maximumRecordBytes = 1 << 20

    /// What was wrong with a state file that was read anyway: the readable records are kept.
    public struct Damage: Sendable, Equatable, CustomStringConvertible {
        /// Records whose checksum failed or that did not decode (or did not validate), skipped.
        public var damagedRecords = 0
        /// Bytes at the end that do not form a whole record (a truncated file), or everything after an impossible
        /// length field.
        public var truncatedBytes = 0
        /// The file does not start with ``PersistedState/magic`` (nothing was read).
        public var badMagic = false
        /// The header is missing or damaged.
        public var missingHeader = false
        /// Records the header announced and that were not found (of every kind).
        public var missingRecords = 0

        public init() {}

        /// True when nothing was wrong.
        public var isEmpty: Bool { self == Damage() }

        public var description: String {
            if badMagic { return "not a Saturn state file (bad magic)" }
            var parts: [String] = []
            if damagedRecords > 0 { parts.append("\(damagedRecords) damaged record(s) skipped") }
            if truncatedBytes > 0 { parts.append("truncated: \(truncatedBytes) trailing byte(s) ignored") }
            if missingHeader { parts.append("header missing or damaged") }
            if missingRecords > 0 { parts.append("\(missingRecords) record(s) announced by the header missing") }
            return parts.isEmpty ? "intact" : parts.joined(separator: "; ")
        }
    }

    /// The file's bytes: ``magic``, then framed records (header, sets, own versions, updates); `sets` and
    /// `updates` choose what goes in (sets and own versions; update records), and the header counts what does.
    public func fileBytes(sets includeSets: Bool = true, updates includeUpdates: Bool = true) -> [UInt8] {
        var out = Self.magic
        func append(_ body: Saturn_V1_StateRecord.OneOf_Body) {
            var r = Saturn_V1_StateRecord()
            r.body = body
            let payload = r.wireBytes()
            for v in [UInt32(payload.count), CRC32.checksum(payload)] {
                withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
            }
            out.append(contentsOf: payload)
        }
        var header = Saturn_V1_StateHeader()
        header.formatVersion = 1
        header.nodeID = nodeID
        header.nodeEpoch = nodeEpoch
        header.writtenUnixNs = writtenUnixNs
        header.sets = includeSets ? UInt64(sets.count) : 0
        header.updates = includeUpdates ? UInt64(updates.count) : 0
        header.ownVersions = includeSets ? UInt64(ownVersions.count) : 0
        append(.header(header))
        if includeSets {
            for s in sets { append(.set(s.proto)) }
            for (key, version) in ownVersions.sorted(by: { $0.key < $1.key }) {
                var v = Saturn_V1_OwnVersion()
                v.key = key.proto
                v.version = version
                append(.ownVersion(v))
            }
        }
        if includeUpdates {
            for u in updates { append(.update(u.proto)) }
        }
        return out
    }

    /// Reads a state file, keeping every record whose checksum, decoding and validation hold.
    /// - Returns: the state (empty when nothing was readable) and what was wrong (``Damage/isEmpty`` when intact).
    public static func read(fileBytes bytes: [UInt8]) -> (state: PersistedState, damage: Damage) {
        var state = PersistedState(nodeID: "", nodeEpoch: 0)
        var damage = Damage()
        guard bytes.count >= magic.count, Array(bytes[..<magic.count]) == magic else {
            damage.badMagic = true
            return (state, damage)
        }
        var header: Saturn_V1_StateHeader?
        var at = magic.count
        func word(_ i: Int) -> UInt32 {
            UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
        var ownVersions = 0
        while at < bytes.count {
            guard bytes.count - at >= 8 else {
                damage.truncatedBytes = bytes.count - at
                break
            }
            let length = Int(word(at))
            let checksum = word(at + 4)
            guard length <= maximumRecordBytes, length <= bytes.count - at - 8 else {
                damage.truncatedBytes = bytes.count - at
                break
            }
            let payload = Array(bytes[(at + 8)..<(at + 8 + length)])
            at += 8 + length
            guard CRC32.checksum(payload) == checksum,
                let record = try? Saturn_V1_StateRecord(serializedBytes: payload)
            else {
                damage.damagedRecords += 1
                continue
            }
            switch record.body {
            case .header(let h)?:
                if header == nil { header = h } else { damage.damagedRecords += 1 }
            case .set(let s)?:
                if let snapshot = ParameterSnapshot(validating: s) {
                    state.sets.append(snapshot)
                } else {
                    damage.damagedRecords += 1
                }
            case .update(let u)?:
                if let update = UpdateRecord(u) { state.updates.append(update) } else { damage.damagedRecords += 1 }
            case .ownVersion(let v)?:
                let key = ModelKey(v.key)
                if key.isValid {
                    state.ownVersions[key] = max(state.ownVersions[key] ?? 0, v.version)
                    ownVersions += 1
                } else {
                    damage.damagedRecords += 1
                }
            case nil:
                damage.damagedRecords += 1
            }
        }
        if let h = header {
            state.nodeID = h.nodeID
            state.nodeEpoch = h.nodeEpoch
            state.writtenUnixNs = h.writtenUnixNs
            let announced = Int(clamping: h.sets) + Int(clamping: h.updates) + Int(clamping: h.ownVersions)
            damage.missingRecords = max(0, announced - state.sets.count - state.updates.count - ownVersions)
        } else {
            damage.missingHeader = true
        }
        // One set per key: the last one read wins (a file written by this code never has two).
        var seen = Set<ModelKey>()
        state.sets = state.sets.reversed().filter { seen.insert($0.key).inserted }.reversed()
        return (state, damage)
    }
}
