import Foundation
import Locking
import Logging
import SaturnModel
import SaturnTestKit
import SaturnWire
import Testing

@testable import SaturnAgent

/// The state directory through ``AgentState``: what one run writes, the next reloads (sets with their origin,
/// epoch and version, the update records, own versions continuing); a damaged file is reported and its readable
/// part kept.
struct StatePersistenceTests {
    static let logger = Logger(label: "test.state")

    static func directory() -> String {
        let d = NSTemporaryDirectory() + "saturn-state-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        return d
    }

    static func configuration(_ directory: String, node: String = "node-a") -> AgentConfiguration {
        var c = AgentConfiguration.ephemeralLoopback(nodeID: node)
        c.stateDirectory = directory
        return c
    }

    static func record(_ key: ModelKey, version: UInt64, accepted: Bool) -> UpdateRecord {
        UpdateRecord(
            key: key, timeUnixNs: 1, path: .refit, trigger: .coldStart, accepted: accepted, reason: "r",
            validationLossCurrent: 1, validationLossCandidate: 0.5, trainingLossBefore: 1, trainingLossAfter: 0.5,
            parameters: PriorCatalog.genericDefault, version: version, trainingRows: 16, validationRows: 4,
            durationMs: 1)
    }

    /// One run fits a key (version 1, 2) and adopts a peer's set; the next run answers both at once, keeps the
    /// records, and gives its next own set version 3.
    @Test func aRestartKeepsSetsRecordsAndVersions() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let own = ModelKey(model: "own-7b", hardware: "gpu")
        let other = ModelKey(model: "peer-13b", hardware: "gpu")
        let first = AgentState(configuration: Self.configuration(dir))
        try first.restore(logger: Self.logger)
        var current = first.snapshot(for: own)
        for _ in 1...2 {
            let v = first.nextOwnVersion(for: own, after: current)
            let s = ParameterSnapshot(
                key: own, parameters: PriorCatalog.genericDefault, version: v, originNode: "node-a",
                originEpoch: first.epoch, source: .localFit)
            first.writeSets(including: s, logger: Self.logger)  // as the adaptation worker does, before install
            #expect(first.install(s, replacing: current))
            first.keep(Self.record(own, version: v, accepted: true))
            current = s
        }
        // The records are written at most once a second: the first time at once, then not before the interval.
        first.writeStateIfChanged(logger: Self.logger)
        first.keep(Self.record(own, version: 0, accepted: false))
        first.writeStateIfChanged(logger: Self.logger)
        #expect(first.unsaved.withLock { $0.updates && !$0.sets })
        let peerSet = ParameterSnapshot(
            key: other, parameters: PriorCatalog.genericDefault, version: 9, originNode: "node-b", originEpoch: 77,
            source: .localFit)
        #expect(first.adoptPeer(peerSet))
        #expect(first.unsaved.withLock { $0.sets })
        first.writeStateIfChanged(logger: Self.logger)  // the peer's set at once, the record still waits
        #expect(first.unsaved.withLock { !$0.sets && $0.updates })
        first.writeStateIfChanged(flush: true, logger: Self.logger)  // at shutdown
        #expect(first.unsaved.withLock { !$0.sets && !$0.updates })
        let written = first.counters.withLock { $0.state }
        #expect(written.writes == 5 && written.writeFailures == 0)

        let second = AgentState(configuration: Self.configuration(dir))
        #expect(second.epoch > first.epoch || second.epoch == first.epoch)
        try second.restore(logger: Self.logger)
        let reloaded = second.snapshot(for: own)
        #expect(reloaded == current)  // same origin, epoch (the first run's) and version
        let adopted = second.snapshot(for: other)
        #expect(adopted.source == .peer && adopted.originNode == "node-b" && adopted.originEpoch == 77
                && adopted.version == 9)
        #expect(second.updateRecords(for: own, limit: 0).map(\.version) == [1, 2, 0])
        #expect(second.nextOwnVersion(for: own, after: reloaded) == 3)
        let health = second.counters.withLock { $0.state }
        #expect(health.setsLoaded == 2 && health.updatesLoaded == 3 && health.loadProblem.isEmpty
                && health.damagedRecords == 0 && health.path == dir)
        // Own versions continue even when the current set is a peer's.
        var peerOwn = reloaded
        peerOwn.source = .peer
        #expect(second.nextOwnVersion(for: own, after: peerOwn) == 4)
    }

    /// A truncated file: reported, set aside, its whole records kept and written back; the agent starts.
    @Test func aTruncatedFileIsReportedAndItsReadablePartKept() async throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = AgentState(configuration: Self.configuration(dir))
        try first.restore(logger: Self.logger)
        for i in 0..<3 {
            let key = ModelKey(model: "m\(i)-7b", hardware: "gpu")
            let s = ParameterSnapshot(
                key: key, parameters: PriorCatalog.genericDefault, version: 1, originNode: "node-a",
                originEpoch: first.epoch, source: .localFit)
            #expect(first.install(s, replacing: first.snapshot(for: key)))
        }
        first.writeSets(logger: Self.logger)
        let path = dir + "/agent-state.bin"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: path))

        let agent = try Agent(configuration: Self.configuration(dir), logger: Self.logger)
        let health = agent.statistics.state
        #expect(health.setsLoaded == 2 && health.truncatedBytes > 0)
        #expect(health.loadProblem.contains("truncated") && health.loadProblem.contains("damaged-"))
        let aside = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".damaged-") }
        #expect(aside.count == 1)
        // The agent runs, answers the readable sets, and writes them back.
        try await agent.withRunning { _ in
            #expect(agent.state.snapshot(for: ModelKey(model: "m1-7b", hardware: "gpu")).source == .localFit)
            #expect(eventually(.seconds(10)) { agent.statistics.state.writes >= 1 })
        }
        let rewrittenBytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let (rewritten, damage) = PersistedState.read(fileBytes: rewrittenBytes)
        #expect(damage.isEmpty && rewritten.sets.count == 2)
    }

    /// Garbage in place of the file: reported, nothing kept, the agent starts; an unusable directory is an error.
    @Test func garbageAndUnusableDirectories() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("not a state file".utf8).write(to: URL(fileURLWithPath: dir + "/agent-state.bin"))
        let agent = try Agent(configuration: Self.configuration(dir), logger: Self.logger)
        #expect(agent.statistics.state.loadProblem.hasPrefix("agent-state.bin: not a Saturn state file"))
        #expect(agent.statistics.state.setsLoaded == 0)

        let file = dir + "/plain-file"
        try Data().write(to: URL(fileURLWithPath: file))
        #expect(throws: AgentError.self) { try Agent(configuration: Self.configuration(file), logger: Self.logger) }
    }
}
