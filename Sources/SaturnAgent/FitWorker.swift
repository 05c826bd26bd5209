import Foundation
import Logging
import SaturnModel
import Synchronization

/// The adaptation worker: a thread that fits keys off the socket thread and swaps in accepted parameters.
///
/// A key is fitted when it has at least ``AgentConfiguration/minimumObservations`` observations and either
/// ``AgentConfiguration/fitEvery`` new ones, or any new ones after ``AgentConfiguration/idleFitInterval`` of
/// quiet; never more often than ``AgentConfiguration/minimumFitInterval``. The fit uses the most recent
/// ``AgentConfiguration/fitWindow`` observations with the offline solver (relative loss by default). A new set
/// is accepted when its loss (the fit's own objective) on that window is no worse than the current set's (a
/// held-out validation comes with online adaptation); accepted sets
/// are swapped in whole and handed to the socket thread, which numbers and broadcasts them. Every decision is
/// logged with its losses.
final class FitWorker: Sendable {
    let state: AgentState
    let mailbox: BusMailbox
    let logger: Logger
    private let signal = NSCondition()
    private let flags = Mutex<(stop: Bool, pending: Bool)>((false, false))

    init(state: AgentState, mailbox: BusMailbox, logger: Logger) {
        self.state = state
        self.mailbox = mailbox
        self.logger = logger
    }

    /// Asks the worker to look for due fits now.
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
            for key in dueKeys() {
                if flags.withLock({ $0.stop }) { return }
                fit(key)
            }
        }
    }

    /// Keys due for a fit, marked in progress, with their windows.
    private func dueKeys() -> [(ModelKey, [Observation])] {
        let c = state.configuration
        let now = ContinuousClock.now
        return state.keys.withLock { all in
            var due: [(ModelKey, [Observation])] = []
            for (key, var d) in all where !d.fitInProgress && d.observations >= UInt64(c.minimumObservations) {
                let enough = d.observationsSinceFit >= c.fitEvery
                let quiet = d.observationsSinceFit > 0 && now - d.lastObservation >= c.idleFitInterval
                let spaced = d.lastFit.map { now - $0 >= c.minimumFitInterval } ?? true
                guard (enough || quiet) && spaced else { continue }
                d.fitInProgress = true
                d.observationsSinceFit = 0
                due.append((key, d.window.suffix(c.fitWindow)))
                all[key] = d
            }
            return due
        }
    }

    private func fit(_ item: (ModelKey, [Observation])) {
        let (key, window) = item
        defer {
            state.keys.withLock { all in
                all[key]?.fitInProgress = false
                all[key]?.lastFit = .now
            }
        }
        var table = StepTable()
        for o in window { table.append(batchSize: o.batchSize, tokens: o.tokens, latency: o.latencyMs) }
        let config = FitConfiguration(objective: state.configuration.loss)
        let kept = config.filter.apply(to: table).kept
        let report: FitReport
        do {
            report = try LatencyFitter.fit(table, configuration: config)
        } catch {
            state.keys.withLock { $0[key]?.fitsRejected += 1 }
            logger.info("fit rejected", metadata: ["key": "\(key)", "reason": "\(error)"])
            return
        }
        let current = state.snapshot(for: key)
        let new = QualityMetrics(report.parameters, on: kept)
        let old = QualityMetrics(current.parameters, on: kept)
        // Compare with the loss the fit minimises (squared relative or squared error) on the same rows.
        let newLoss = Loss.value(of: config.objective, report.parameters, on: kept)
        let oldLoss = Loss.value(of: config.objective, current.parameters, on: kept)
        guard report.parameters.isWithin(.physical), newLoss.isFinite, newLoss <= oldLoss * (1 + 1e-9) else {
            state.keys.withLock { $0[key]?.fitsRejected += 1 }
            logger.info(
                "fit rejected",
                metadata: ["key": "\(key)", "reason": "not better than current", "new_loss": "\(newLoss)",
                           "current_loss": "\(oldLoss)", "rows": "\(kept.count)"])
            return
        }
        let version = (current.source == .localFit ? current.version : 0) + 1
        let snapshot = ParameterSnapshot(
            key: key, parameters: report.parameters, version: version, originNode: state.configuration.nodeID,
            originEpoch: state.epoch, sampleCount: UInt64(window.count), quality: FitQuality(new, rows: kept.count),
            source: .localFit, sourceDetail: "fit on \(kept.count) rows")
        state.install(snapshot)
        state.keys.withLock { all in
            all[key]?.fitsAccepted += 1
            all[key]?.fittedObservations = UInt64(window.count)
        }
        mailbox.post(.publish(snapshot))
        logger.info(
            "fit accepted",
            metadata: ["key": "\(key)", "version": "\(version)", "rows": "\(kept.count)",
                       "new_loss": "\(newLoss)", "previous_loss": "\(oldLoss)",
                       "new_mre": "\(new.meanRelativeError)", "previous_mre": "\(old.meanRelativeError)",
                       "parameters": "\(report.parameters)"])
    }
}
