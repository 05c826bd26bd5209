import Foundation
import Locking
import Logging
import SaturnModel

/// The adaptation thread (DESIGN sections 4 and 5): decides per key when to update and how, produces a candidate
/// off the socket thread, validates it on held-out recent observations, swaps accepted sets in whole and hands
/// them to the socket thread for broadcast, keeps the record of every candidate, and measures the key's health.
///
/// Triggers, in order of precedence (``UpdateTrigger``), checked on every wake-up and at least every 200 ms:
/// - **cold start**: a key with fewer than ``AgentConfiguration/minimumObservations`` own observations is looked
///   at every ``AgentConfiguration/coldStartEvery`` observations: while it answers from a prior or a peer's set
///   it gets a full refit on what it has, then updater steps from its own set;
/// - **drift**: the current set's residuals on the recent ``AgentConfiguration/driftRecentObservations``
///   differ from the older ones (two-sample KS, p < ``AgentConfiguration/driftSignificance``): full refit on the
///   observations after the most likely change point, updater state reset;
/// - **updater failing**: the last ``AgentConfiguration/updaterFailureLimit`` updater candidates were rejected:
///   full refit;
/// - **error**: the recent mean relative error is above ``AgentConfiguration/errorTrigger``: full refit;
/// - **observations**: ``AgentConfiguration/fitEvery`` new observations: updater;
/// - **interval**: new observations and ``AgentConfiguration/idleFitInterval`` of quiet: updater.
/// No key is updated more often than ``AgentConfiguration/minimumFitInterval``. With
/// ``AgentConfiguration/adaptationPaths`` set to one path, that path runs for every trigger.
///
/// The drift and degradation tests run at most every tenth of their recent sample (100 new observations by
/// default, ``testInterval(_:)``) and after every installed set; updates in between read their last results.
///
/// Validation: the newest observations (100, or a fifth of a short window) are held out from training; a candidate
/// is accepted only when its mean squared relative error there is below the current set's.
final class AdaptationWorker: Sendable {
    let state: AgentState
    let mailbox: BusMailbox
    let logger: Logger
    private let signal = NSCondition()
    private let flags = Locked<(stop: Bool, pending: Bool)>((false, false))
    /// Per-key adaptation state; touched by the adaptation thread only (the lock is uncontended).
    private let keys = Locked<[ModelKey: KeyAdaptation]>([:])

    /// What the worker remembers of one key between updates.
    struct KeyAdaptation: Sendable {
        var updater: OnlineUpdate.State<LatencyParameters>
        /// Updater candidates rejected in a row.
        var consecutiveUpdaterRejections = 0
        /// Recent candidates: true for a failure (see ``KeyMonitor/updateFailureRate``).
        var recentFailures: [Bool] = []
        var parameterDriftRate = 0.0
        /// The last drift and degradation tests, the key's observation count when they ran, and whether a set was
        /// installed since (their residuals are then those of a replaced set).
        var lastTests: (drift: DriftDetector.Result?, degradation: DegradationDetector.Result?)?
        var testedAt: UInt64 = 0
    }

    /// New observations before the drift and degradation tests run again: a tenth of their recent sample (100 at
    /// the default 1,000), so that updates more frequent than that (e.g. every 10 observations) do not repeat
    /// tests on samples that differ by a few percent. At the default update interval (100) they run every update.
    static func testInterval(_ c: AgentConfiguration) -> UInt64 { UInt64(max(1, c.driftRecentObservations / 10)) }

    /// The reason recorded for a candidate that beat the set it started from after another set replaced that one.
    static let superseded = "superseded"

    /// Held-out rows of a full window.
    static let heldOutRows = 100
    /// Candidates the failure rate is computed over.
    static let failureWindow = 20

    init(state: AgentState, mailbox: BusMailbox, logger: Logger) {
        self.state = state
        self.mailbox = mailbox
        self.logger = logger
    }

    /// Lowers the calling thread's scheduling priority (Linux: `SCHED_IDLE` for this thread alone, nice +10 where
    /// that is refused), so that updates run only on a core nothing else wants: a waking socket thread preempts them
    /// at once, and queries do not wait behind a fit. With nice +10 a waking socket thread could still wait for the
    /// running update (predict p99 9x with updates running back to back on a quiet 2-core machine; with
    /// `SCHED_IDLE` 0.96-1.18x). The price: on a node whose cores are saturated by other work, updates slow down
    /// or wait until a core is free.
    static func lowerThreadPriority() {
        ThreadPriority.lowerCurrentThread()
    }

    /// Asks the worker to look for due updates now.
    func wake() {
        flags.withLock { $0.pending = true }
        signal.lock()
        signal.signal()
        signal.unlock()
    }

    func stop() {
        flags.withLock { $0.stop = true }
        signal.lock()
        signal.broadcast()
        signal.unlock()
    }

    /// The thread body: returns after ``stop()``.
    func run() {
        while true {
            signal.lock()
            if !flags.withLock({ $0.stop || $0.pending }) {
                _ = signal.wait(until: Date(timeIntervalSinceNow: 0.2))
            }
            signal.unlock()
            if flags.withLock({ $0.stop }) { return }
            flags.withLock { $0.pending = false }
            for work in dueKeys() {
                if flags.withLock({ $0.stop }) { return }
                adapt(work)
            }
            // Peers' sets at once, update records at most once a second (accepted sets are written before install).
            state.writeStateIfChanged(logger: logger)
        }
    }

    // MARK: - Triggers

    /// One due key: its window (oldest first, by reference) and what triggered it.
    struct Work {
        var key: ModelKey
        var window: ObservationWindow.Snapshot
        var observations: UInt64
        var sinceUpdate: Int
        var quiet: Bool
    }

    /// Keys with new observations whose update interval has passed, marked in progress, with their windows (by
    /// reference: no row is copied under the lock the socket thread records telemetry under).
    private func dueKeys() -> [Work] {
        let c = state.configuration
        let now = ContinuousClock.now
        return state.keys.withLock { all in
            var due: [Work] = []
            for key in all.keys {
                // Scalars only: holding a copy of the history while marking it would copy its whole window.
                guard let (inProgress, sinceUpdate, observations, lastFit, lastObservation) = all[key].map({
                    ($0.fitInProgress, $0.observationsSinceFit, $0.observations, $0.lastFit, $0.lastObservation)
                }), !inProgress, sinceUpdate > 0 else { continue }
                let spaced = lastFit.map { now - $0 >= c.minimumFitInterval } ?? true
                let quiet = now - lastObservation >= c.idleFitInterval
                let cold = observations < UInt64(c.minimumObservations)
                let enough = sinceUpdate >= (cold ? c.coldStartEvery : c.fitEvery)
                guard spaced, enough || (quiet && observations >= UInt64(c.coldStartEvery)) else { continue }
                all[key]!.fitInProgress = true
                all[key]!.observationsSinceFit = 0
                due.append(
                    Work(
                        key: key, window: all[key]!.window.snapshot(last: c.fitWindow), observations: observations,
                        sinceUpdate: sinceUpdate, quiet: !enough))
            }
            return due
        }
    }

    // MARK: - One update

    private func adapt(_ work: Work) {
        let key = work.key
        let c = state.configuration
        defer {
            state.keys.withLock { all in
                all[key]?.fitInProgress = false
                all[key]?.lastFit = .now
            }
        }
        let current = state.snapshot(for: key)
        var adaptation = keys.withLock { $0[key] } ?? KeyAdaptation(updater: OnlineUpdate().initialState())
        let filter = RowFilter()
        let kept = work.window.elements().filter {
            filter.dropReason(batchSize: $0.batchSize, tokens: $0.tokens, latency: $0.latencyMs) == nil
        }
        let rows = kept.map { StepObservation(batchSize: $0.batchSize, tokens: $0.tokens, latencyMs: $0.latencyMs) }
        guard rows.count >= 2 * LatencyFitter.minimumRows else {
            // Too few usable rows for a candidate: keep the count of new observations for the next look.
            state.keys.withLock { $0[key]?.observationsSinceFit += work.sinceUpdate }
            return
        }

        // Monitoring of the current set (also what the drift trigger reads).
        var monitor = KeyMonitor(errorRateThreshold: c.errorTrigger)
        let arrivalErrors = kept.map { abs($0.predictedMs - $0.latencyMs) / $0.latencyMs }
        monitor.accuracy = AccuracySummary(relativeErrors: arrivalErrors, lastCount: c.accuracyWindow)
        let recent = c.driftRecentObservations
        if let last = adaptation.lastTests, work.observations - adaptation.testedAt < Self.testInterval(c) {
            (monitor.drift, monitor.degradation) = last
        } else {
            monitor.degradation =
                try? DegradationDetector(recentCount: recent).test(relativeErrors: arrivalErrors) ?? nil
            let residuals = DriftDetector.residuals(of: current.parameters, on: rows)
            monitor.drift =
                try? DriftDetector(recentCount: recent, significanceLevel: c.driftSignificance).test(
                    residuals: residuals) ?? nil
            adaptation.lastTests = (monitor.drift, monitor.degradation)
            adaptation.testedAt = work.observations
        }

        let cold = work.observations < UInt64(c.minimumObservations)
        let trigger: UpdateTrigger
        var path: UpdatePath
        var trainFrom = 0
        if cold || current.source != .localFit {
            // A key answering from a prior or a peer's set is first refitted on what it has (validated like any
            // candidate); once it has a set of its own, the updater takes over until it has enough observations.
            trigger = .coldStart
            path = current.source == .localFit ? .updater : .refit
        } else if let d = monitor.drift, d.isDrift {
            trigger = .drift
            path = .refit
            trainFrom = ChangePoint.latest(in: DriftDetector.residuals(of: current.parameters, on: rows))?.index ?? 0
        } else if adaptation.consecutiveUpdaterRejections >= c.updaterFailureLimit {
            trigger = .updaterFailing
            path = .refit
        } else if let a = monitor.accuracy, a.mean > c.errorTrigger {
            trigger = .error
            path = .refit
        } else {
            trigger = work.quiet ? .interval : .observations
            path = .updater
        }
        switch c.adaptationPaths {
        case .both: break
        case .updater: path = .updater
        case .refit: path = .refit
        }
        if path == .refit && rows.count - trainFrom < 2 * LatencyFitter.minimumRows { path = .updater }

        let started = ContinuousClock.now
        let startedCPU = ThreadCPUTime.now()
        let window = Array(rows[trainFrom...])
        let heldOut = min(Self.heldOutRows, max(4, window.count / 5))
        var outcome: Outcome
        switch path {
        case .updater: outcome = update(current: current.parameters, window: window, heldOut: heldOut, state: &adaptation)
        case .refit: outcome = refit(current: current.parameters, window: window, heldOut: heldOut)
        }
        if path == .refit || trigger == .drift { adaptation.updater.reset() }

        var version: UInt64 = 0
        if outcome.accepted {
            version = state.nextOwnVersion(for: key, after: current)
            // The set's quality on the newest rows (those the accuracy figures cover), not the whole window.
            let newest = Array(window.suffix(c.accuracyWindow))
            let metrics = QualityMetrics(outcome.candidate, on: StepTable(observations: newest))
            let snapshot = ParameterSnapshot(
                key: key, parameters: outcome.candidate, version: version, originNode: c.nodeID,
                originEpoch: state.epoch, sampleCount: UInt64(window.count),
                quality: FitQuality(metrics, rows: newest.count), source: .localFit,
                sourceDetail: "\(path.rawValue) on \(outcome.trainingRows) rows (\(trigger.rawValue))")
            // Durable before it is visible: a set a query or a peer has seen survives a crash (with a state directory).
            state.writeSets(including: snapshot, logger: logger)
            if state.install(snapshot, replacing: current) {
                adaptation.lastTests = nil  // the next update tests the new set's residuals
                // Instability of the key's own sets: a first fit replacing a prior or a peer's set is not drift.
                adaptation.parameterDriftRate =
                    current.source == .localFit
                    ? ParameterDriftRate(from: current.parameters, to: outcome.candidate, on: rows, lastCount: recent)?
                        .value ?? 0 : 0
                mailbox.post(.publish(snapshot))
            } else {
                // Another set (a peer's) replaced the one this candidate was validated against during the update.
                outcome.accepted = false
                outcome.reason = Self.superseded
                version = 0
            }
        }
        if path == .updater {
            adaptation.consecutiveUpdaterRejections = outcome.accepted ? 0 : adaptation.consecutiveUpdaterRejections + 1
        } else if outcome.accepted {
            adaptation.consecutiveUpdaterRejections = 0
        }
        adaptation.recentFailures.append(outcome.failed)
        if adaptation.recentFailures.count > Self.failureWindow { adaptation.recentFailures.removeFirst() }
        monitor.parameterDriftRate = adaptation.parameterDriftRate
        monitor.updateFailureRate =
            Double(adaptation.recentFailures.filter { $0 }.count) / Double(adaptation.recentFailures.count)
        let finalAdaptation = adaptation
        keys.withLock { $0[key] = finalAdaptation }
        state.counters.withLock { c in
            if outcome.accepted {
                c.updatesAccepted[path, default: 0] += 1
            } else {
                c.updatesRejected[path, default: 0] += 1
            }
        }
        state.keys.withLock { all in
            if outcome.accepted {
                all[key]?.fitsAccepted += 1
                all[key]?.fittedObservations = UInt64(work.window.count)
            } else {
                all[key]?.fitsRejected += 1
            }
        }
        state.monitors.withLock { $0[key] = monitor }

        let elapsed = ContinuousClock.now - started
        state.metrics.recordUpdate(path, duration: elapsed)
        let record = UpdateRecord(
            key: key, timeUnixNs: Int64(Date().timeIntervalSince1970 * 1e9), path: path, trigger: trigger,
            accepted: outcome.accepted, reason: outcome.reason,
            validationLossCurrent: outcome.validationLossCurrent, validationLossCandidate: outcome.validationLossCandidate,
            trainingLossBefore: outcome.trainingLossBefore, trainingLossAfter: outcome.trainingLossAfter,
            parameters: outcome.candidate, version: version, trainingRows: outcome.trainingRows,
            validationRows: heldOut, durationMs: elapsed.inSeconds * 1000,
            cpuMs: (ThreadCPUTime.now() - startedCPU).inSeconds * 1000, windowRows: window.count)
        state.keep(record)
        logger.info(
            outcome.accepted ? "update accepted" : "update rejected",
            metadata: [
                "key": "\(key)", "path": "\(path.rawValue)", "trigger": "\(trigger.rawValue)",
                "reason": "\(outcome.reason)", "version": "\(version)",
                "held_out_loss_current": "\(outcome.validationLossCurrent)",
                "held_out_loss_candidate": "\(outcome.validationLossCandidate)",
                "training_loss_before": "\(outcome.trainingLossBefore)",
                "training_loss_after": "\(outcome.trainingLossAfter)", "rows": "\(outcome.trainingRows)",
                "parameters": "\(outcome.candidate)", "ms": "\(record.durationMs)", "cpu_ms": "\(record.cpuMs)",
            ])
    }

    /// A candidate and its validation.
    struct Outcome {
        var candidate: LatencyParameters
        var accepted: Bool
        /// Could not be produced, or is non-finite or outside the bounds.
        var failed: Bool
        var reason: String
        var validationLossCurrent: Double
        var validationLossCandidate: Double
        var trainingLossBefore: Double
        var trainingLossAfter: Double
        var trainingRows: Int
    }

    /// The incremental path: momentum steps from the current set (``OnlineUpdate``), which validates itself.
    private func update(
        current: LatencyParameters, window: [StepObservation], heldOut: Int,
        state adaptation: inout KeyAdaptation
    ) -> Outcome {
        let update = OnlineUpdate(heldOutCount: heldOut)
        let result = update.run(current: current, base: current, window: window, state: adaptation.updater)
        adaptation.updater = result.state
        let verdict = result.verdict
        return Outcome(
            candidate: result.candidate, accepted: result.isAccepted,
            failed: verdict.reason == .nonFinite || verdict.reason == .outOfBounds,
            reason: verdict.reason.rawValue, validationLossCurrent: verdict.currentLoss,
            validationLossCandidate: verdict.candidateLoss, trainingLossBefore: result.lossBefore,
            trainingLossAfter: result.lossAfter, trainingRows: result.trainingCount)
    }

    /// The full-refit path: the bounded global fit (``Refit``: the configured `loss`, relative by default, on at
    /// most 128 evenly strided training rows, with a local solve from the current set besides the grid's), then
    /// validation. The training losses are those of the rows the fit read.
    private func refit(current: LatencyParameters, window: [StepObservation], heldOut: Int) -> Outcome {
        let objective = state.configuration.loss
        let refit = Refit(objective: objective)
        let training = StepTable(observations: refit.subsample(window[..<(window.count - heldOut)]))
        let validation = window[(window.count - heldOut)...]
        let before = Loss.value(of: objective, current, on: training)
        let report: FitReport
        do {
            report = try LatencyFitter.fit(training, configuration: refit.configuration(warmStarts: [current]))
        } catch {
            return Outcome(
                candidate: current, accepted: false, failed: true, reason: "fit failed: \(error)",
                validationLossCurrent: .nan, validationLossCandidate: .nan, trainingLossBefore: before,
                trainingLossAfter: .nan, trainingRows: training.count)
        }
        let verdict = Validation.compare(candidate: report.parameters, current: current, heldOut: validation)
        return Outcome(
            candidate: report.parameters, accepted: verdict.isAccepted,
            failed: verdict.reason == .nonFinite || verdict.reason == .outOfBounds, reason: verdict.reason.rawValue,
            validationLossCurrent: verdict.currentLoss, validationLossCandidate: verdict.candidateLoss,
            trainingLossBefore: before, trainingLossAfter: Loss.value(of: objective, report.parameters, on: training),
            trainingRows: training.count)
    }
}
