/// The crash-safe state's part of the health reply (`saturn agent --state-dir`): what was reloaded at start,
/// what was wrong with the file, and how the writes go.
public struct StateHealth: Sendable, Equatable {
    /// The state file; empty when persistence is off.
    public var path = ""
    public var setsLoaded: UInt64 = 0
    public var updatesLoaded: UInt64 = 0
    /// Records skipped at start (checksum or decoding failed).
    public var damagedRecords: UInt64 = 0
    /// Trailing bytes at start that did not form a whole record.
    public var truncatedBytes: UInt64 = 0
    /// Empty, or what was wrong with the file at start.
    public var loadProblem = ""
    public var writes: UInt64 = 0
    public var writeFailures: UInt64 = 0
    public var fileBytes: UInt64 = 0
    /// Wall time of the last write (encode, write, fsync, rename, fsync of the directory), in ms.
    public var lastWriteMs: Double = 0

    public init() {}

    /// From the wire.
    public init(_ p: Saturn_V1_StateHealth) {
        (path, setsLoaded, updatesLoaded, damagedRecords, truncatedBytes) =
            (p.path, p.setsLoaded, p.updatesLoaded, p.damagedRecords, p.truncatedBytes)
        (loadProblem, writes, writeFailures, fileBytes, lastWriteMs) =
            (p.loadProblem, p.writes, p.writeFailures, p.fileBytes, p.lastWriteMs)
    }

    /// To the wire.
    public var proto: Saturn_V1_StateHealth {
        var p = Saturn_V1_StateHealth()
        (p.path, p.setsLoaded, p.updatesLoaded, p.damagedRecords, p.truncatedBytes) =
            (path, setsLoaded, updatesLoaded, damagedRecords, truncatedBytes)
        (p.loadProblem, p.writes, p.writeFailures, p.fileBytes, p.lastWriteMs) =
            (loadProblem, writes, writeFailures, fileBytes, lastWriteMs)
        return p
    }
}
