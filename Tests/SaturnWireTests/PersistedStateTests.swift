import SaturnModel
import SaturnWire
import Testing

/// The state file format: round trip, and what a reader keeps of a truncated or damaged file.
struct PersistedStateTests {
    static func state(keys: Int = 3, updatesPerKey: Int = 4) -> PersistedState {
        var s = PersistedState(nodeID: "node-a", nodeEpoch: 1_700_000_000_000_000_000, writtenUnixNs: 42)
        for k in 0..<keys {
            let key = ModelKey(model: "m\(k)-7b", hardware: "gpu")
            var p = PriorCatalog.genericDefault
            p.tau0 += Double(k)
            s.sets.append(
                ParameterSnapshot(
                    key: key, parameters: p, version: UInt64(10 + k), originNode: k == 2 ? "peer-b" : "node-a",
                    originEpoch: UInt64(100 + k), sampleCount: 500, quality: FitQuality(),
                    source: k == 2 ? .peer : .localFit,
                    sourceDetail: "refit on 96 rows"))
            for u in 0..<updatesPerKey {
                s.updates.append(
                    UpdateRecord(
                        key: key, timeUnixNs: Int64(u), path: u % 2 == 0 ? .refit : .updater, trigger: .observations,
                        accepted: u % 2 == 0, reason: "better", validationLossCurrent: 0.1,
                        validationLossCandidate: 0.05,
                        trainingLossBefore: 0.2, trainingLossAfter: 0.1, parameters: p, version: UInt64(u),
                        trainingRows: 96, validationRows: 100, durationMs: 1.5, cpuMs: 1.2, windowRows: 5000))
            }
            s.ownVersions[key] = UInt64(10 + k)
        }
        return s
    }

    @Test func crcMatchesZlib() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test func roundTrip() {
        let s = Self.state()
        let (read, damage) = PersistedState.read(fileBytes: s.fileBytes())
        #expect(damage.isEmpty, "\(damage)")
        #expect(read == s)
        let empty = PersistedState(nodeID: "n", nodeEpoch: 1)
        let (readEmpty, damageEmpty) = PersistedState.read(fileBytes: empty.fileBytes())
        #expect(damageEmpty.isEmpty && readEmpty == empty)
    }

    /// Cut at every length: never a trap, every whole record before the cut is kept, and the cut is reported.
    @Test func truncatedAtEveryLengthKeepsTheWholeRecords() {
        let s = Self.state(keys: 2, updatesPerKey: 2)
        let bytes = s.fileBytes()
        var previousKept = 0
        for n in 0..<bytes.count {
            let (read, damage) = PersistedState.read(fileBytes: Array(bytes[..<n]))
            #expect(!damage.isEmpty, "a file cut at \(n) of \(bytes.count) bytes must be reported")
            let kept = read.sets.count + read.updates.count + read.ownVersions.count
            #expect(kept >= previousKept)  // a longer prefix never keeps less
            previousKept = kept
            // What is kept is exactly what the prefix holds whole, and in order.
            #expect(Array(s.sets.prefix(read.sets.count)) == read.sets)
            if !read.updates.isEmpty { #expect(Array(s.updates.prefix(read.updates.count)) == read.updates) }
        }
        #expect(previousKept == s.sets.count + s.updates.count + s.ownVersions.count - 1)
    }

    /// A damaged byte inside one record's payload loses that record only.
    @Test func corruptBytesLoseOneRecord() {
        let s = Self.state(keys: 3, updatesPerKey: 3)
        let bytes = s.fileBytes()
        // The second set record: skip the magic, the header record and the first set record.
        func recordEnd(_ at: Int) -> Int {
            at + 8 + Int(UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
                | UInt32(bytes[at + 3]) << 24)
        }
        let second = recordEnd(recordEnd(PersistedState.magic.count))
        var damaged = bytes
        damaged[second + 8 + 5] ^= 0x5A
        let (read, damage) = PersistedState.read(fileBytes: damaged)
        #expect(damage.damagedRecords == 1 && damage.missingRecords == 1 && damage.truncatedBytes == 0)
        #expect(read.sets.map(\.key) == [s.sets[0].key, s.sets[2].key])
        #expect(read.updates == s.updates && read.ownVersions == s.ownVersions)
        #expect("\(damage)".contains("1 damaged record"))
    }

    /// Every single-byte change of a file is either harmless or reported, and never traps; a damaged length field
    /// loses the rest of the file at most.
    @Test func everySingleByteChangeIsReportedOrHarmless() {
        let s = Self.state(keys: 2, updatesPerKey: 1)
        let bytes = s.fileBytes()
        for i in 0..<bytes.count {
            var b = bytes
            b[i] ^= 0xFF
            let (read, damage) = PersistedState.read(fileBytes: b)
            #expect(!damage.isEmpty || read == s, "byte \(i)")
        }
    }

    @Test func notAStateFile() {
        for bytes in [[UInt8](), Array("SATSTAT".utf8), Array("hello, world, this is not it".utf8)] {
            let (read, damage) = PersistedState.read(fileBytes: bytes)
            #expect(damage.badMagic && read.sets.isEmpty && read.updates.isEmpty)
        }
        // The magic alone: an empty file without a header.
        let (_, damage) = PersistedState.read(fileBytes: PersistedState.magic)
        #expect(damage.missingHeader && !damage.badMagic)
    }

    @Test func aLengthBeyondTheLimitIsTruncationNotAnAllocation() {
        var bytes = PersistedState.magic
        bytes += [0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0] + [UInt8](repeating: 1, count: 32)
        let (_, damage) = PersistedState.read(fileBytes: bytes)
        #expect(damage.truncatedBytes == 40 && damage.missingHeader)
    }
}
