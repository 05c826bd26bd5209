import Foundation
import SaturnModel
import SaturnWire
import Synchronization

/// One observation as the collector keeps it: the step and the prediction made when it arrived.
struct Observation: Sendable {
    var batchSize: Double
    var tokens: Double
    var latencyMs: Double
    var predictedMs: Double
}

/// Per-key data (guarded by ``AgentState``'s lock).
struct KeyData: Sendable {
    var window: RingBuffer<Observation>
    var relativeErrors: RingBuffer<Double>
    /// Σ of ``relativeErrors`` (kept so that a prediction's accuracy figure costs O(1)).
    var relativeErrorSum = 0.0
    var observations: UInt64 = 0
    var observationsSinceFit = 0
    var lastObservation = ContinuousClock.now
    var lastFit: ContinuousClock.Instant? = nil
    var fitsAccepted: UInt64 = 0
    var fitsRejected: UInt64 = 0
    var fittedObservations: UInt64 = 0
    var fitInProgress = false
}

extension KeyData {
    /// Appends steps with their predictions at arrival (in place, no copy of the window).
    mutating func recordAll(
        _ steps: [(Double, Double, Double)], parameters p: LatencyParameters, minimumObservations: Int, fitEvery: Int
    ) -> AgentState.BatchOutcome {
        for (b, s, t) in steps {
            let predicted = p.latency(batchSize: b, tokens: s)
            window.append(Observation(batchSize: b, tokens: s, latencyMs: t, predictedMs: predicted))
            let e = abs(predicted - t) / t
            relativeErrorSum += e - (relativeErrors.append(e) ?? 0)
            // Re-sum exactly once per full turn of the buffer so rounding cannot accumulate.
            if relativeErrors.wrapped { relativeErrorSum = relativeErrors.suffix(relativeErrors.count).reduce(0, +) }
        }
        observations += UInt64(steps.count)
        observationsSinceFit += steps.count
        lastObservation = .now
        return .recorded(fitDue: observations >= UInt64(minimumObservations) && observationsSinceFit >= fitEvery)
    }
}

/// Counters shown in the health reply.
struct Counters: Sendable {
    var telemetryAccepted: UInt64 = 0
    var queriesAnswered: UInt64 = 0
    var updatesPublished: UInt64 = 0
    var updatesAdopted: UInt64 = 0
    var snapshotsRequested: UInt64 = 0
    var drops: [String: UInt64] = [:]
}

/// The agent's shared state: parameter snapshots (read by queries), per-key windows (written by the telemetry
/// path, read by the fit worker) and counters. Each is behind its own `Mutex`; no lock is held during a fit or
/// a prediction.
final class AgentState: Sendable {
    let configuration: AgentConfiguration
    let epoch: UInt64
    let startedAt = ContinuousClock.now
    let catalog: PriorCatalog
    let snapshots = Mutex<[ModelKey: ParameterSnapshot]>([:])
    let keys = Mutex<[ModelKey: KeyData]>([:])
    let counters = Mutex(Counters())
    /// This node's broadcast sequence number (last used).
    let sequence = Mutex<UInt64>(0)

    init(configuration: AgentConfiguration, catalog: PriorCatalog = PriorCatalog()) {
        self.configuration = configuration
        self.catalog = catalog
        let now = Date().timeIntervalSince1970
        epoch = UInt64(now * 1e9)
    }

    func drop(_ name: String) {
        counters.withLock { $0.drops[name, default: 0] += 1 }
    }

    /// The snapshot for `key`, or a prior chosen for it (not stored).
    func snapshot(for key: ModelKey) -> ParameterSnapshot {
        if let s = snapshots.withLock({ $0[key] }) { return s }
        return prior(for: key)
    }

    /// A prior for a key nobody has data for (DESIGN §3).
    func prior(for key: ModelKey) -> ParameterSnapshot {
        let known = snapshots.withLock { all in
            all.values.filter { $0.source == .localFit || $0.source == .peer }
                .map { (model: $0.key.model, hardware: $0.key.hardware, parameters: $0.parameters) }
        }
        let (p, choice) = catalog.choose(model: key.model, hardware: key.hardware, known: known)
        let source: Saturn_V1_ParameterSource
        let detail: String
        switch choice {
        case .nearestKey(let m, let h):
            source = .nearestKey
            detail = "\(m)@\(h)"
        case .shippedPrior(let m, let h):
            source = .shippedPrior
            detail = "\(m)@\(h)"
        case .genericDefault:
            source = .default
            detail = "generic default"
        }
        return ParameterSnapshot(
            key: key, parameters: p, version: 0, originNode: "", originEpoch: 0, sampleCount: 0,
            quality: Saturn_V1_FitQuality(), source: source, sourceDetail: detail)
    }

    /// Outcome of recording a batch of steps for one key.
    enum BatchOutcome {
        /// Recorded; `fitDue` when the key should be fitted now.
        case recorded(fitDue: Bool)
        /// The key is new and the key table is full: every step was dropped.
        case keyTableFull
    }

    /// Records validated steps `(B, S, T)` of one key under one lock (the ingest hot path).
    func recordBatch(key: ModelKey, steps: [(Double, Double, Double)]) -> BatchOutcome {
        let current = snapshot(for: key)
        let c = configuration
        let p = current.parameters
        let result: BatchOutcome = keys.withLock { all in
            if all[key] == nil {
                guard all.count < c.maximumKeys else { return .keyTableFull }
                all[key] = KeyData(
                    window: RingBuffer(capacity: c.windowSize), relativeErrors: RingBuffer(capacity: c.accuracyWindow))
            }
            return all[key]!.recordAll(steps, parameters: p, minimumObservations: c.minimumObservations,
                                       fitEvery: c.fitEvery)
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
        keys.withLock { all in
            guard let d = all[key], d.relativeErrors.count > 0 else { return (0, 0) }
            return (max(0, d.relativeErrorSum) / Double(d.relativeErrors.count), d.relativeErrors.count)
        }
    }

    /// Own observations of `key`.
    func ownObservations(_ key: ModelKey) -> UInt64 { keys.withLock { $0[key]?.observations ?? 0 } }

    /// Installs a peer's parameter set when this node has too little data of its own for the key (fewer than
    /// ``AgentConfiguration/minimumObservations`` own observations). Returns true when adopted.
    func adoptPeer(_ incoming: ParameterSnapshot) -> Bool {
        guard ownObservations(incoming.key) < UInt64(configuration.minimumObservations) else { return false }
        var adopted = incoming
        adopted.source = .peer
        if adopted.sourceDetail.isEmpty { adopted.sourceDetail = "from \(incoming.originNode)" }
        let installed = snapshots.withLock { s -> Bool in
            if let old = s[incoming.key], old.source == .localFit { return false }
            s[incoming.key] = adopted
            return true
        }
        if installed { counters.withLock { $0.updatesAdopted += 1 } }
        return installed
    }

    /// The next broadcast sequence number.
    func nextSequence() -> UInt64 { sequence.withLock { $0 += 1; return $0 } }
}
