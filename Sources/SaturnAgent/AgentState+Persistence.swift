import Foundation
import Locking
import Logging
import SaturnModel
import SaturnWire

extension AgentState {
    /// Opens the state directory (``AgentConfiguration/stateDirectory``) and reloads the state file: every set is
    /// installed as it was kept (own fits and peers' sets, with their origin, epoch and version), the update
    /// records are kept again, and own versions continue above the persisted ones. A damaged file is reported (log,
    /// ``StateHealth/loadProblem``), set aside as `agent-state.bin.damaged-<epoch>`, its readable records are kept
    /// and written back; the agent starts anyway. Does nothing without a state directory.
    /// - Throws: ``AgentError`` (`invalidConfiguration`) when the directory cannot be created or the file cannot be
    ///   read at all (e.g. permissions).
    func restore(logger: Logger) throws(AgentError) {
        guard let directory = configuration.stateDirectory else { return }
        let opened: StateStore
        let bytes: [UInt8]?
        do {
            opened = try StateStore(directory: directory)
            bytes = try opened.read()
        } catch {
            throw AgentError(.invalidConfiguration, "cannot use the state directory \(directory)", cause: error)
        }
        store.withLock { $0 = opened }
        var health = StateHealth()
        health.path = opened.path
        defer { counters.withLock { $0.state = health } }
        guard let bytes else {
            logger.info("no state file yet", metadata: ["path": "\(opened.path)"])
            return
        }
        health.fileBytes = UInt64(bytes.count)
        let (loaded, damage) = PersistedState.read(fileBytes: bytes)
        install(loaded)
        health.setsLoaded = UInt64(loaded.sets.count)
        health.updatesLoaded = UInt64(loaded.updates.count)
        health.damagedRecords = UInt64(damage.damagedRecords)
        health.truncatedBytes = UInt64(damage.truncatedBytes)
        if !damage.isEmpty {
            let aside = opened.setDamagedFileAside(suffix: epoch)
            health.loadProblem = "\(damage)" + (aside.map { "; the damaged file is kept as \($0)" } ?? "")
            logger.error(
                "state file damaged: readable records kept",
                metadata: ["path": "\(opened.path)", "problem": "\(health.loadProblem)",
                           "sets": "\(loaded.sets.count)", "updates": "\(loaded.updates.count)"])
            stateChanged.withLock { $0 = true }  // write the readable part back
        } else {
            logger.info(
                "state reloaded",
                metadata: ["path": "\(opened.path)", "sets": "\(loaded.sets.count)",
                           "updates": "\(loaded.updates.count)", "written_by": "\(loaded.nodeID)"])
        }
        if !loaded.nodeID.isEmpty && loaded.nodeID != configuration.nodeID {
            logger.warning(
                "state file written by another node id: its own fits are kept under their origin",
                metadata: ["file_node": "\(loaded.nodeID)", "node": "\(configuration.nodeID)"])
        }
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
            v = loaded.ownVersions
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

    /// What would be persisted now, with `pending` (a set about to be installed) and `record` (a record about to
    /// be kept) included.
    func persistedState(including pending: ParameterSnapshot? = nil, record: UpdateRecord? = nil) -> PersistedState {
        var sets = snapshots.withLock { all in all.values.filter(\.source.isFitted) }
        if let pending {
            sets.removeAll { $0.key == pending.key }
            sets.append(pending)
        }
        sets.sort { $0.key < $1.key }
        var updates = updateRecords(for: nil, limit: 0)
        if let record {
            let kept = updates.filter { $0.key == record.key }.count
            if kept >= Self.recordsPerKey, let oldest = updates.firstIndex(where: { $0.key == record.key }) {
                updates.remove(at: oldest)
            }
            let end = updates.lastIndex(where: { $0.key <= record.key }).map { $0 + 1 } ?? 0
            updates.insert(record, at: end)
        }
        return PersistedState(
            nodeID: configuration.nodeID, nodeEpoch: epoch, writtenUnixNs: Int64(Date().timeIntervalSince1970 * 1e9),
            sets: sets, updates: updates, ownVersions: ownVersions.withLock { $0 })
    }

    /// Writes the state file now (with `pending` and `record` included, see ``persistedState(including:record:)``);
    /// a failure is logged and counted, and the previous file stays. Does nothing without a state directory.
    func writeState(including pending: ParameterSnapshot? = nil, record: UpdateRecord? = nil, logger: Logger) {
        guard let store = store.withLock({ $0 }) else { return }
        stateChanged.withLock { $0 = false }
        let started = ContinuousClock.now
        let bytes = persistedState(including: pending, record: record).fileBytes()
        do {
            try store.write(bytes)
            let ms = (ContinuousClock.now - started).inSeconds * 1000
            counters.withLock {
                $0.state.writes += 1
                $0.state.fileBytes = UInt64(bytes.count)
                $0.state.lastWriteMs = ms
            }
        } catch {
            stateChanged.withLock { $0 = true }  // try again at the next chance
            counters.withLock { $0.state.writeFailures += 1 }
            logger.error("state file write failed", metadata: ["error": "\(error)"])
        }
    }

    /// Writes the state file when something persisted changed since the last write.
    func writeStateIfChanged(logger: Logger) {
        if stateChanged.withLock({ $0 }) { writeState(logger: logger) }
    }
}
