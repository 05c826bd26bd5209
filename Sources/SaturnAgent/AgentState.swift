import Foundation
import Locking
import Metrics
import SaturnModel
import SaturnWire

/// The agent's shared state: parameter snapshots (read by queries, swapped whole by the fit worker and peer
/// sync), per-key histories (written by the telemetry ingest, read by the fit worker) and counters. Each is behind
/// its own lock (`Locked`); no lock is held during a fit or a prediction.
final class AgentState: Sendable {
    let configuration: AgentConfiguration
    /// This run's start time in ns since the epoch (the origin epoch of its broadcasts).
    let epoch: UInt64
    let startedAt = ContinuousClock.now
    let catalog: PriorCatalog
    let snapshots = Locked<[ModelKey: ParameterSnapshot]>([:])
    let keys = Locked<[ModelKey: KeyHistory]>([:])
    /// Each key's recent accuracy figure, copied out of ``keys`` on every record so that a prediction never waits
    /// for the lock the adaptation thread takes to copy a window.
    let accuracies = Locked<[ModelKey: (mean: Double, count: Int)]>([:])
    let counters = Locked(AgentStatistics())
    /// What the adaptation worker last measured of each key (the health check).
    let monitors = Locked<[ModelKey: KeyMonitor]>([:])
    /// The last update candidates per key, oldest first (at most ``recordsPerKey`` each).
    let records = Locked<[ModelKey: RingBuffer<UpdateRecord>]>([:])
    /// Update candidates kept per key.
    static let recordsPerKey = 100
    /// This node's last broadcast sequence number (advanced by the socket thread only).
    let sequence = Locked<UInt64>(0)
    /// Histograms recorded as events end, and the counters and gauges exporters bring up to date.
    let metrics: AgentMetrics
    /// The highest version this node gave each key (its next own set continues above; persisted).
    let ownVersions = Locked<[ModelKey: UInt64]>([:])
    /// The state directory (`stateDirectory`), opened by ``restore(logger:)``; nil when nothing is kept.
    let store = Locked<StateStore?>(nil)
    /// What changed in the state directory's files since they were last written.
    let unsaved = Locked(UnsavedState())

    init(
        configuration: AgentConfiguration, catalog: PriorCatalog = PriorCatalog(),
        metrics: AgentMetrics = AgentMetrics(factory: NOOPMetricsHandler.instance)
    ) {
        self.configuration = configuration
        self.catalog = catalog
        self.metrics = metrics
        epoch = UInt64(Date().timeIntervalSince1970 * 1e9)
        let sources = configuration.forwardPassSources.map(ForwardPassSourceStatistics.init)
        counters.withLock { $0.forwardPassSources = sources }
    }

    /// Counts one dropped message.
    func count(_ reason: DropReason, on channel: DropReason.Channel) {
        counters.withLock { $0.count(reason, on: channel) }
    }

    /// Priors chosen for keys without a set (choosing one costs a scan of the catalog and the known keys), cleared
    /// whenever a fitted set is installed, since the nearest known key may change.
    let priorCache = Locked<[ModelKey: ParameterSnapshot]>([:])

    /// The snapshot for `key`, or a prior chosen for it (not stored).
    func snapshot(for key: ModelKey) -> ParameterSnapshot {
        if let s = snapshots.withLock({ $0[key] }) { return s }
        if let p = priorCache.withLock({ $0[key] }) { return p }
        let p = prior(for: key)
        priorCache.withLock { cache in
            if cache.count >= configuration.maximumKeys { cache.removeAll() }
            cache[key] = p
        }
        return p
    }

    /// A prior for a key nobody has data for (DESIGN section 3): a base set (a known key of a richer family lends its
    /// decision parameters, the terms folded in at its defaults).
    func prior(for key: ModelKey) -> ParameterSnapshot {
        let known = snapshots.withLock { all in
            all.values.filter(\.source.isFitted)
                .map { (model: $0.key.model, hardware: $0.key.hardware, parameters: $0.decisionParameters) }
        }
        let (p, choice) = catalog.choose(model: key.model, hardware: key.hardware, known: known)
        switch choice {
        case .nearestKey(let m, let h):
            return ParameterSnapshot(key: key, parameters: p, source: .nearestKey, sourceDetail: "\(m)@\(h)")
        case .shippedPrior(let m, let h):
            return ParameterSnapshot(key: key, parameters: p, source: .shippedPrior, sourceDetail: "\(m)@\(h)")
        case .genericDefault:
            return ParameterSnapshot(key: key, parameters: p, source: .generic, sourceDetail: "generic default")
        }
    }

    /// Outcome of recording a batch of steps for one key.
    enum BatchOutcome: Equatable {
        /// Recorded; `fitDue` when the key should be fitted now.
        case recorded(fitDue: Bool)
        /// The key is new and the key table is full: every step was dropped.
        case keyTableFull
    }

    /// Records validated steps (`B`, `S`, `T`, and `K`, `Q` when reported) of one key under one lock (the ingest hot
    /// path).
    func record(_ steps: [StepObservation], for key: ModelKey) -> BatchOutcome {
        let current = snapshot(for: key)
        let c = configuration
        let result: BatchOutcome = keys.withLock { all in
            if all[key] == nil {
                guard all.count < c.maximumKeys else { return .keyTableFull }
                all[key] = KeyHistory(windowSize: c.windowSize, accuracyWindow: c.accuracyWindow)
            }
            all[key]!.record(steps, predictedBy: current.model)
            let h = all[key]!
            let figure = h.accuracy
            accuracies.withLock { $0[key] = figure }
            let cold = h.observations < UInt64(c.minimumObservations)
            return .recorded(fitDue: h.observationsSinceFit >= (cold ? c.coldStartEvery : c.fitEvery))
        }
        if case .recorded = result {
            snapshots.withLock { s in
                if s[key] == nil { s[key] = current }
            }
        }
        return result
    }

    /// Mean of the last relative errors of `key` and how many there are.
    func accuracy(for key: ModelKey) -> (mean: Double, count: Int) {
        accuracies.withLock { $0[key] ?? (0, 0) }
    }

    /// Own observations of `key`.
    func ownObservations(_ key: ModelKey) -> UInt64 { keys.withLock { $0[key]?.observations ?? 0 } }

    /// Installs a peer's parameter set when this node has too little data of its own for the key (fewer than
    /// ``AgentConfiguration/minimumObservations`` own observations; its cold-start updates then continue from the
    /// peer's set). Returns true when adopted.
    func adoptPeer(_ incoming: ParameterSnapshot) -> Bool {
        guard ownObservations(incoming.key) < UInt64(configuration.minimumObservations) else { return false }
        var adopted = incoming
        adopted.source = .peer
        if adopted.sourceDetail.isEmpty { adopted.sourceDetail = "from \(incoming.originNode)" }
        snapshots.withLock { $0[incoming.key] = adopted }
        unsaved.withLock { $0.sets = true }
        priorCache.withLock { $0.removeAll() }
        let installed = true
        if installed { counters.withLock { $0.updatesAdopted += 1 } }
        return installed
    }

    /// Installs a set this node fitted in place of `expected`, the set its update started from (and was validated
    /// against). Returns false, installing nothing, when another set replaced `expected` meanwhile (e.g. a peer's
    /// set adopted during the update): the candidate never competed with that one.
    func install(_ snapshot: ParameterSnapshot, replacing expected: ParameterSnapshot) -> Bool {
        let installed = snapshots.withLock { all -> Bool in
            guard (all[snapshot.key] ?? expected) == expected else { return false }
            all[snapshot.key] = snapshot
            return true
        }
        if installed { priorCache.withLock { $0.removeAll() } }
        return installed
    }

    /// Every set this node holds and where its broadcast sequence stands (the parameters reply).
    func nodeParameters() -> NodeParameters {
        NodeParameters(
            nodeID: configuration.nodeID, nodeEpoch: epoch, lastSequence: sequence.withLock { $0 },
            sets: snapshots.withLock { $0.values.sorted { $0.key < $1.key } })
    }

    /// Keeps one update candidate's record.
    func keep(_ record: UpdateRecord) {
        records.withLock { r in
            _ = r[record.key, default: RingBuffer(capacity: Self.recordsPerKey)].append(record)
        }
        unsaved.withLock { $0.updates = true }
    }

    /// The last `limit` records (0: all kept) of `key`, or of every key in key order when `key` is nil.
    func updateRecords(for key: ModelKey?, limit: Int) -> [UpdateRecord] {
        records.withLock { r in
            let keys = key.map { [$0] } ?? r.keys.sorted()
            return keys.flatMap { k -> [UpdateRecord] in
                guard let buffer = r[k] else { return [] }
                return buffer.suffix(limit > 0 ? limit : buffer.count)
            }
        }
    }

    /// The next broadcast sequence number (the socket thread's, when it publishes).
    func nextSequence() -> UInt64 { sequence.withLock { $0 += 1; return $0 } }
}
