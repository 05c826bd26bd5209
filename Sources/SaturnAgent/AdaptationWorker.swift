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
/// - **interval**: new observations and ``AgentConfiguration/idleFitInterval`` of quiet: updater;
/// - **family**: the last choice of model family (grouped cross-validation on the window, every
///   ``AgentConfiguration/familySelectionEvery`` observations once the steps report `K` or `Q`) differs from the
///   installed set's: refit in the chosen family (given up after ``familyRefitLimit`` rejections until the next
///   choice). It takes the place of the error, updater-failing, observations and interval triggers.
/// No key is updated more often than ``AgentConfiguration/minimumFitInterval``. With
/// ``AgentConfiguration/adaptationPaths`` set to one path, that path runs for every trigger.
///
/// The drift and degradation tests run at most every tenth of their recent sample (100 new observations by
/// default, ``testInterval(_:)``) and after every installed set; updates in between read their last results.
///
/// The robust gate: in the steady state (observations, interval, updater failing) rows the installed set predicts
/// far worse than the rest are kept out of training and validation and counted (``gate(_:threshold:)``,
/// ``RejectionLog``).
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
    /// The adaptation thread's Linux thread id, once it runs.
    private let threadID = Locked<Int32?>(nil)
    /// The thread's priority level as its updates' wall and CPU times call for; touched by the thread only.
    private let starvation = Locked(StarvationGuard())

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
        /// The family the last choice picked (nil before any: refits keep the installed set's family).
        var family: ModelFamily?
        /// The last choice of family and its evidence.
        var familyChoice: FamilyChoice?
        /// Refits into a newly chosen family rejected in a row (after ``familyRefitLimit`` the choice waits for the
        /// next one).
        var familyRefitRejections = 0
        /// Observations the robust gate kept out, counted once each.
        var rejections = RejectionLog()
    }

    /// Refits into a newly chosen family tried before the key keeps its installed family until the next choice.
    static let familyRefitLimit = 3

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
    /// `SCHED_IDLE` 0.96-1.18x). On a node whose cores are saturated by other work the thread is starved; then
    /// ``StarvationGuard`` gives it a floor (nice +19) until its updates get a core again. Records the thread's id,
    /// through which ``stop()`` lets the update in progress finish at normal priority.
    func lowerThreadPriority() {
        threadID.withLock { $0 = ThreadPriority.currentThreadID() }
        ThreadPriority.set(.idle, thread: 0)
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
        // An update in progress on a saturated node would hold up the shutdown (at SCHED_IDLE or the floor, a fit of
        // a few hundred ms of CPU can take a minute): nothing waits behind it any more, so it finishes at normal
        // priority.
        if let id = threadID.withLock({ $0 }), id != 0 { ThreadPriority.set(.normal, thread: id) }
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
        let elements = work.window.elements()
        // The key's observation number of elements[0] (the window and the count were taken under one lock).
        let firstNumber = work.observations - UInt64(elements.count) + 1
        var kept: [Observation] = []
        var numbers: [UInt64] = []
        kept.reserveCapacity(elements.count)
        numbers.reserveCapacity(elements.count)
        for (i, o) in elements.enumerated()
        where filter.dropReason(batchSize: o.batchSize, tokens: o.tokens, latency: o.latencyMs) == nil {
            kept.append(o)
            numbers.append(firstNumber + UInt64(i))
        }
        // Each row carries the installed set's terms, so that its base parameters predict what the set predicts
        // (the updater adapts them with the term coefficients held).
        let rows = current.model.holdingTerms(kept.map(\.step))
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
        // The installed set's relative residuals on the rows, computed once for the drift test, the change point
        // and the gate, whichever of them run.
        var currentResiduals: [Double]? = nil
        func residuals() -> [Double] {
            if let r = currentResiduals { return r }
            let r = DriftDetector.residuals(of: current.parameters, on: rows)
            currentResiduals = r
            return r
        }
        if let last = adaptation.lastTests, work.observations - adaptation.testedAt < Self.testInterval(c) {
            (monitor.drift, monitor.degradation) = last
        } else {
            monitor.degradation =
                try? DegradationDetector(recentCount: recent).test(relativeErrors: arrivalErrors) ?? nil
            monitor.drift =
                try? DriftDetector(recentCount: recent, significanceLevel: c.driftSignificance).test(
                    residuals: residuals()) ?? nil
            adaptation.lastTests = (monitor.drift, monitor.degradation)
            adaptation.testedAt = work.observations
        }

        let cold = work.observations < UInt64(c.minimumObservations)
        var trigger: UpdateTrigger
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
            trainFrom = ChangePoint.latest(in: residuals())?.index ?? 0
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
        // The family: chosen again by cross-validation every familySelectionEvery observations; a choice that
        // differs from the installed set's family is carried out by a refit in it.
        if current.source == .localFit, trigger != .drift, isFamilyChoiceDue(adaptation, rows: rows, work: work) {
            chooseFamily(
                rows: rows, at: work.observations, key: key, installed: current.model.family, adaptation: &adaptation)
        }
        let family = adaptation.family ?? current.model.family
        if family != current.model.family, current.source == .localFit, trigger != .drift {
            trigger = .family
            path = .refit
        }
        switch c.adaptationPaths {
        case .both: break
        case .updater: path = .updater
        case .refit: path = .refit
        }
        if path == .refit && rows.count - trainFrom < 2 * LatencyFitter.minimumRows { path = .updater }

        let started = ContinuousClock.now
        let startedCPU = ThreadCPUTime.now()
        var window = Array(rows[trainFrom...])
        // The robust gate: in the steady state (observations, interval, updater failing), rows the installed set of
        // the key's own predicts far worse than the rest (robust z of the relative residual above
        // rejectionThreshold) neither train nor validate, on either path. After a drift, from a prior, with a high
        // error rate or for a new family the installed set cannot judge the rows; those refits are not gated (the
        // fitter's own gate runs up to 8 fits, beyond the update's 2 ms budget) and are validated as ever.
        var gated: [RejectedObservation] = []
        let steady: Set<UpdateTrigger> = [.observations, .interval, .updaterFailing]
        if steady.contains(trigger), current.source == .localFit, c.rejectionThreshold > 0 {
            let windowResiduals = Array(residuals()[trainFrom...])
            let outside = Self.gate(windowResiduals, threshold: c.rejectionThreshold)
            if !outside.isEmpty && window.count - outside.count >= 2 * LatencyFitter.minimumRows {
                gated = outside.map {
                    RejectedObservation(
                        step: window[$0], relativeResidual: windowResiduals[$0], observation: numbers[trainFrom + $0])
                }
                let out = Set(outside)
                window = window.indices.filter { !out.contains($0) }.map { window[$0] }
            }
        }
        let heldOut = min(Self.heldOutRows, max(4, window.count / 5))
        var outcome: Outcome
        switch path {
        case .updater:
            outcome = update(current: current.model, window: window, heldOut: heldOut, state: &adaptation)
        case .refit:
            outcome = refit(current: current.model, family: family, window: window, heldOut: heldOut)
        }
        adaptation.rejections.record(gated, oldestInWindow: firstNumber)
        if path == .refit || trigger == .drift { adaptation.updater.reset() }
        if trigger == .family {
            adaptation.familyRefitRejections = outcome.accepted ? 0 : adaptation.familyRefitRejections + 1
            if adaptation.familyRefitRejections >= Self.familyRefitLimit {
                // The chosen family did not beat the installed set on the newest rows: keep it until the next choice.
                adaptation.family = current.model.family
                adaptation.familyRefitRejections = 0
            }
        }

        var version: UInt64 = 0
        if outcome.accepted {
            version = state.nextOwnVersion(for: key, after: current)
            // The set's quality on the newest rows (those the accuracy figures cover), not the whole window.
            let newest = Array(window.suffix(c.accuracyWindow))
            let metrics = QualityMetrics(outcome.candidate, on: StepTable(observations: newest))
            let snapshot = ParameterSnapshot(
                key: key, model: outcome.candidate, version: version, originNode: c.nodeID,
                originEpoch: state.epoch, sampleCount: UInt64(window.count),
                quality: FitQuality(metrics, rows: newest.count), source: .localFit,
                sourceDetail: "\(path.rawValue) on \(outcome.trainingRows) rows (\(trigger.rawValue))",
                termDefaults: TermDefaults(of: newest))
            // Durable before it is visible: a set a query or a peer has seen survives a crash (with a state directory).
            state.writeSets(including: snapshot, logger: logger)
            if state.install(snapshot, replacing: current) {
                adaptation.lastTests = nil  // the next update tests the new set's residuals
                // Instability of the key's own sets: a first fit replacing a prior or a peer's set is not drift.
                adaptation.parameterDriftRate =
                    current.source == .localFit
                    ? ParameterDriftRate(from: current.model, to: outcome.candidate, on: rows, lastCount: recent)?
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
        monitor.familyChoice = adaptation.familyChoice
        monitor.rejections = adaptation.rejections
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
        var record = UpdateRecord(
            key: key, timeUnixNs: Int64(Date().timeIntervalSince1970 * 1e9), path: path, trigger: trigger,
            accepted: outcome.accepted, reason: outcome.reason,
            validationLossCurrent: outcome.validationLossCurrent, validationLossCandidate: outcome.validationLossCandidate,
            trainingLossBefore: outcome.trainingLossBefore, trainingLossAfter: outcome.trainingLossAfter,
            parameters: outcome.candidate.base, version: version, trainingRows: outcome.trainingRows,
            validationRows: heldOut, durationMs: elapsed.inSeconds * 1000,
            cpuMs: (ThreadCPUTime.now() - startedCPU).inSeconds * 1000, windowRows: window.count,
            gatedRows: gated.count)
        record.model = outcome.candidate
        state.keep(record)
        if let level = starvation.withLock({ $0.observe(wallMs: record.durationMs, cpuMs: record.cpuMs) }) {
            ThreadPriority.set(level, thread: 0)
            logger.info(
                level == .floor ? "adaptation thread starved: nice +19 floor" : "adaptation thread back to SCHED_IDLE",
                metadata: ["update_ms": "\(record.durationMs)", "cpu_ms": "\(record.cpuMs)"])
        }
        logger.info(
            outcome.accepted ? "update accepted" : "update rejected",
            metadata: [
                "key": "\(key)", "path": "\(path.rawValue)", "trigger": "\(trigger.rawValue)",
                "reason": "\(outcome.reason)", "version": "\(version)",
                "held_out_loss_current": "\(outcome.validationLossCurrent)",
                "held_out_loss_candidate": "\(outcome.validationLossCandidate)",
                "training_loss_before": "\(outcome.trainingLossBefore)",
                "training_loss_after": "\(outcome.trainingLossAfter)", "rows": "\(outcome.trainingRows)",
                "gated_rows": "\(gated.count)", "parameters": "\(outcome.candidate)", "ms": "\(record.durationMs)",
                "cpu_ms": "\(record.cpuMs)",
            ])
    }

    // MARK: - Robust gate

    /// Positions (ascending) of the rows whose relative `residuals` under the installed set (oldest first) fall
    /// outside the robust gate (``OutlierRejection`` with `threshold`). The centre and scale come from at most 1,024
    /// evenly spaced rows (a median of the whole 5,000-row window would cost the update a few tenths of a
    /// millisecond; the sample's median and MAD are as good for a 5σ gate). Nothing is outside when more than a
    /// fifth of the newest ``heldOutRows`` rows would be: that is a change of the key, not outliers.
    static func gate(_ residuals: [Double], threshold: Double) -> [Int] {
        let outside = OutlierRejection(threshold: threshold).outliers(residuals, scaleFromAtMost: 1024)
        // Outliers are rare: when more than a fifth of the newest rows are outside, the key has changed (the
        // installed set no longer describes it), and those rows are what the update must learn from.
        let newest = min(heldOutRows, residuals.count)
        let outsideNewest = outside.reversed().prefix { $0 >= residuals.count - newest }.count
        return outsideNewest * 5 > newest ? [] : outside
    }

    // MARK: - Family choice

    /// True when the key may choose its family again: more than one family configured, refits allowed, enough rows
    /// whose steps report `K` or `Q`, and ``AgentConfiguration/familySelectionEvery`` observations since the last
    /// choice.
    private func isFamilyChoiceDue(_ adaptation: KeyAdaptation, rows: [StepObservation], work: Work) -> Bool {
        let c = state.configuration
        // A new family is installed by a refit: with the updater alone there is nothing to choose.
        guard c.families.count > 1, c.adaptationPaths != .updater, rows.count >= c.familySelectionRows else {
            return false
        }
        if let last = adaptation.familyChoice, work.observations - last.atObservation < UInt64(c.familySelectionEvery) {
            return false
        }
        return rows.contains { $0.kvTokens > 0 || $0.prefillAttentionTokens > 0 }
    }

    /// Grouped cross-validation (``FamilySelection``) of the configured families on
    /// ``AgentConfiguration/familySelectionRows`` rows of the window (one from each equal stretch), each fit the
    /// bounded refit's (``Refit``) behind the robust gate. A richer family is chosen only when it wins out of sample,
    /// by ``AgentConfiguration/familyMargin`` and one standard error.
    private func chooseFamily(rows: [StepObservation], at observations: UInt64, key: ModelKey,
                              installed: ModelFamily, adaptation: inout KeyAdaptation) {
        let c = state.configuration
        let started = ContinuousClock.now
        let sample = Refit(rowLimit: c.familySelectionRows).subsample(rows[...])
        let refit = Refit(objective: c.loss)
        let configuration = refit.configuration(
            rejection: c.rejectionThreshold > 0 ? OutlierRejection(threshold: c.rejectionThreshold) : nil)
        do {
            let selection = try FamilySelection(
                table: StepTable(observations: sample), families: c.families, configuration: configuration,
                margin: c.familyMargin)
            let choice = FamilyChoice(
                selection, atObservation: observations, durationMs: (ContinuousClock.now - started).inSeconds * 1000)
            adaptation.familyChoice = choice
            if adaptation.family != choice.chosen { adaptation.familyRefitRejections = 0 }
            adaptation.family = choice.chosen
            logger.info(
                "family chosen",
                metadata: [
                    "key": "\(key)", "chosen": "\(choice.chosen.rawValue)", "rows": "\(choice.rows)",
                    "cv_mean_relative_error": "\(choice.candidates.map { "\($0.family.rawValue)=\($0.cvMeanRelativeError)" })",
                    "ms": "\(choice.durationMs)",
                ])
        } catch {
            // Too few distinct settings for the folds, or the base model could not be fitted: try again later.
            logger.info("family choice skipped", metadata: ["key": "\(key)", "reason": "\(error)"])
            adaptation.familyChoice = FamilyChoice(
                chosen: adaptation.family ?? installed, candidates: [], rows: sample.count, rejectedRows: 0,
                atObservation: observations, durationMs: (ContinuousClock.now - started).inSeconds * 1000)
        }
    }

    // MARK: - Candidates

    /// A candidate and its validation.
    struct Outcome {
        var candidate: FamilyParameters
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

    /// The incremental path: momentum steps of the base parameters from the current set (``OnlineUpdate``), which
    /// validates itself; a richer set's term coefficients are held (the rows carry its terms, ``StepObservation/fixedMs``).
    private func update(
        current: FamilyParameters, window: [StepObservation], heldOut: Int,
        state adaptation: inout KeyAdaptation
    ) -> Outcome {
        let update = OnlineUpdate(heldOutCount: heldOut)
        let result = update.run(current: current.base, base: current.base, window: window, state: adaptation.updater)
        adaptation.updater = result.state
        let verdict = result.verdict
        return Outcome(
            candidate: current.replacingBase(result.candidate), accepted: result.isAccepted,
            failed: verdict.reason == .nonFinite || verdict.reason == .outOfBounds,
            reason: verdict.reason.rawValue, validationLossCurrent: verdict.currentLoss,
            validationLossCandidate: verdict.candidateLoss, trainingLossBefore: result.lossBefore,
            trainingLossAfter: result.lossAfter, trainingRows: result.trainingCount)
    }

    /// The full-refit path: the bounded global fit (``Refit``: the configured `loss`, relative by default, on at
    /// most 96 training rows drawn one per equal stretch, with a local solve from the current set besides the
    /// grid's) of `family`, then validation against the current set on the held-out rows.
    /// The training losses are those of the rows the fit read.
    private func refit(current: FamilyParameters, family: ModelFamily, window: [StepObservation], heldOut: Int)
        -> Outcome
    {
        let objective = state.configuration.loss
        let refit = Refit(objective: objective)
        let offsets = refit.subsampleOffsets(count: window.count - heldOut)
        let training = StepTable(observations: offsets.map { window[$0] })
        let validation = window[(window.count - heldOut)...]
        let before = Loss.value(of: objective, current, on: training)
        let report: FitReport
        do {
            report = try LatencyFitter.fit(
                training, configuration: refit.configuration(warmStarts: [current.base], family: family))
        } catch {
            return Outcome(
                candidate: current, accepted: false, failed: true, reason: "fit failed: \(error)",
                validationLossCurrent: .nan, validationLossCandidate: .nan, trainingLossBefore: before,
                trainingLossAfter: .nan, trainingRows: training.count)
        }
        let verdict = Validation.compare(candidate: report.model, current: current, heldOut: validation)
        return Outcome(
            candidate: report.model, accepted: verdict.isAccepted,
            failed: verdict.reason == .nonFinite || verdict.reason == .outOfBounds, reason: verdict.reason.rawValue,
            validationLossCurrent: verdict.currentLoss, validationLossCandidate: verdict.candidateLoss,
            trainingLossBefore: before, trainingLossAfter: Loss.value(of: objective, report.model, on: training),
            trainingRows: report.rowsUsed)
    }
}
