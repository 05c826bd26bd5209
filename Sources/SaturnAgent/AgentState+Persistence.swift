import Foundation
import Locking
import Logging
import SaturnModel
import SaturnWire

/// What changed in the state directory's files since they were last written.
struct UnsavedState: Sendable {
    /// A set or an own version (`agent-state.bin`).
    var sets = false
    /// An update record (`agent-updates.bin`).
    var updates = false
    /// When `agent-updates.bin` was last written (nil: not yet in this run), and how long that took.
    var updatesWrittenAt: ContinuousClock.Instant? = nil
    var updatesWriteDuration: Duration = .zero

    /// Whether the update records are due at `now`: at most once per ``AgentState/updatesWriteInterval``, and never
    /// more than a tenth of the time (a large file on a slow disk is written less often).
    func updatesDue(now: ContinuousClock.Instant) -> Bool {
        guard updates else { return false }
        guard let last = updatesWrittenAt else { return true }
        return now - last >= max(AgentState.updatesWriteInterval, updatesWriteDuration * 10)
    }
}

extension AgentState {
    /// Least time between two writes of the update records (they are written at most this often, at most a tenth
    /// of the time, and at shutdown).
    static let updatesWriteInterval = Duration.seconds(1)

    /// Opens the state directory (``AgentConfiguration/stateDirectory``) and reloads its files: every set is
    /// installed as it was kept (own fits and peers' sets, with their origin, epoch and version), the update
    /// records are kept again, and own versions continue above the persisted ones. A damaged file is reported (log,
    /// ``StateHealth/loadProblem``), set aside as `<file>.damaged-<epoch>`, its readable records are kept and
    /// written back; the agent starts anyway. Does nothing without a state directory.
    /// - Throws: ``AgentError`` (`invalidConfiguration`) when the directory cannot be created or a file cannot be
    ///   read at all (e.g. permissions).
    func restore(logger: Logger) throws(AgentError) {
        guard let directory = configuration.stateDirectory else { return }
        let opened: StateStore
        var files: [(StateStore.File, [UInt8])] = []
        do {
            opened = try StateStore(directory: directory)
            for file in StateStore.File.allCases {
                if let bytes = try opened.read(file) { files.append((file, bytes)) }
            }
        } catch {
            throw AgentError(.invalidConfiguration, "cannot use the state directory \(directory)", cause: error)
        }
        store.withLock { $0 = opened }
        var health = StateHealth()
        health.path = directory
        defer { counters.withLock { $0.state = health } }
        if files.isEmpty { logger.info("no state files yet", metadata: ["directory": "\(directory)"]) }
        var problems: [String] = []
        for (file, bytes) in files {
            let (loaded, damage) = PersistedState.read(fileBytes: bytes)
            install(loaded)
            health.fileBytes += UInt64(bytes.count)
            health.setsLoaded += UInt64(loaded.sets.count)
            health.updatesLoaded += UInt64(loaded.updates.count)
            health.damagedRecords += UInt64(damage.damagedRecords)
            health.truncatedBytes += UInt64(damage.truncatedBytes)
            if !damage.isEmpty {
                let aside = opened.setDamagedFileAside(file, suffix: epoch)
                problems.append(
                    "\(file.rawValue): \(damage)" + (aside.map { "; the damaged file is kept as \($0)" } ?? ""))
                logger.error(
                    "state file damaged: readable records kept",
                    metadata: ["path": "\(opened.path(file))", "problem": "\(problems.last!)",
                               "sets": "\(loaded.sets.count)", "updates": "\(loaded.updates.count)"])
                // Write the readable part back.
                unsaved.withLock { if file == .sets { $0.sets = true } else { $0.updates = true } }
            } else {
                logger.info(
                    "state reloaded",
                    metadata: ["path": "\(opened.path(file))", "sets": "\(loaded.sets.count)",
                               "updates": "\(loaded.updates.count)", "written_by": "\(loaded.nodeID)"])
            }
            if !loaded.nodeID.isEmpty && loaded.nodeID != configuration.nodeID {
                logger.warning(
                    "state file written by another node id: its own fits are kept under their origin",
                    metadata: ["file_node": "\(loaded.nodeID)", "node": "\(configuration.nodeID)"])
            }
        }
        health.loadProblem = problems.joined(separator: "; ")
    }

    /// Installs a reloaded state.
    private func install(_ loaded: PersistedState) {
        snapshots.withLock { all in
            for set in loaded.sets { all[set.key] = set }
        }
        records.withLock { r in
            for u in loaded.updates {
                _ = r[u.key, default: RingBuffer(capacity: Self.recordsPerKey)].append(u)
            }
        }
        ownVersions.withLock { v in
            v.merge(loaded.ownVersions, uniquingKeysWith: max)
            for set in loaded.sets where set.source == .localFit && set.originNode == configuration.nodeID {
                v[set.key] = max(v[set.key] ?? 0, set.version)
            }
        }
        priorCache.withLock { $0.removeAll() }
    }

    /// The version of this node's next own set for `key`: above every version it gave the key (also in earlier
    /// runs, when persisted) and above `current` when that is a local fit.
    func nextOwnVersion(for key: ModelKey, after current: ParameterSnapshot) -> UInt64 {
        let own = ownVersions.withLock { $0[key] ?? 0 }
        let version = max(own, current.source == .localFit ? current.version : 0) + 1
        ownVersions.withLock { $0[key] = max($0[key] ?? 0, version) }
        return version
    }

    /// What would be persisted now, with `pending` (a set about to be installed) included; the update records
    /// only with `updates` (copying them costs more than the sets).
    func persistedState(including pending: ParameterSnapshot? = nil, updates: Bool = true) -> PersistedState {
        var sets = snapshots.withLock { all in all.values.filter(\.source.isFitted) }
        if let pending {
            sets.removeAll { $0.key == pending.key }
            sets.append(pending)
        }
        sets.sort { $0.key < $1.key }
        return PersistedState(
            nodeID: configuration.nodeID, nodeEpoch: epoch, writtenUnixNs: Int64(Date().timeIntervalSince1970 * 1e9),
            sets: sets, updates: updates ? updateRecords(for: nil, limit: 0) : [],
            ownVersions: ownVersions.withLock { $0 })
    }

    /// Writes `agent-state.bin` (the sets, with `pending` included, and own versions) now. Does nothing without a
    /// state directory.
    func writeSets(including pending: ParameterSnapshot? = nil, logger: Logger) {
        guard let store = store.withLock({ $0 }) else { return }
        unsaved.withLock { $0.sets = false }
        write(.sets, of: persistedState(including: pending, updates: false), to: store, logger: logger)
    }

    /// Writes `agent-updates.bin` (the update records) now. Does nothing without a state directory.
    func writeUpdates(logger: Logger) {
        guard let store = store.withLock({ $0 }) else { return }
        let started = ContinuousClock.now
        unsaved.withLock {
            $0.updates = false
            $0.updatesWrittenAt = started
        }
        write(.updates, of: persistedState(), to: store, logger: logger)
        unsaved.withLock { $0.updatesWriteDuration = .now - started }
    }

    /// Writes what changed: the sets at once, the update records when they are due (``UnsavedState/updatesDue(now:)``;
    /// at once with `flush`, at shutdown).
    func writeStateIfChanged(flush: Bool = false, logger: Logger) {
        let now = ContinuousClock.now
        let (sets, updates) = unsaved.withLock { u in (u.sets, flush ? u.updates : u.updatesDue(now: now)) }
        if sets { writeSets(logger: logger) }
        if updates { writeUpdates(logger: logger) }
    }

    /// One atomic replace; a failure is logged and counted, the previous file stays, and the part is marked unsaved
    /// so that it is tried again.
    private func write(_ file: StateStore.File, of state: PersistedState, to store: StateStore, logger: Logger) {
        let started = ContinuousClock.now
        let bytes = state.fileBytes(sets: file == .sets, updates: file == .updates)
        do {
            try store.write(bytes, to: file)
            let ms = (ContinuousClock.now - started).inSeconds * 1000
            counters.withLock {
                $0.state.writes += 1
                $0.state.fileBytes = UInt64(bytes.count)
                $0.state.lastWriteMs = ms
            }
        } catch {
            unsaved.withLock { if file == .sets { $0.sets = true } else { $0.updates = true } }
            counters.withLock { $0.state.writeFailures += 1 }
            logger.error("state file write failed", metadata: ["file": "\(file.rawValue)", "error": "\(error)"])
        }
    }
}
