import Locking
import Synchronization

/// Live figures of a run in progress, written by the engine's thread (through a ``MonitoredPolicy``) and read by
/// any other (e.g. a progress display), and a flag that asks the run to stop.
///
/// ```swift
/// let progress = RunProgress(slaMs: 80)
/// var policy = MonitoredPolicy(StaticBudgetPolicy(maxBatchedTokens: 512, maxSequences: 64), progress: progress)
/// // on another thread, while the engine runs: progress.snapshot.steps, .admissions, ...
/// ```
public final class RunProgress: Sendable {
    /// The figures so far.
    public struct Snapshot: Sendable, Equatable {
        /// Steps run.
        public var steps = 0
        /// Simulated time at the end of the latest step, in seconds.
        public var simulatedSeconds = 0.0
        /// Waiting requests admitted (joined a step).
        public var admissions = 0
        /// Steps whose latency exceeded the SLA.
        public var stepsOverSLA = 0
        /// The waiting queue's length before the latest step.
        public var waiting = 0
        /// Requests running before the latest step.
        public var running = 0

        public init() {}
    }

    /// The step-latency SLA in ms that ``Snapshot/stepsOverSLA`` counts against.
    public let slaMs: Double
    private let state = Locked(Snapshot())
    private let stopRequested = Atomic(false)

    public init(slaMs: Double) { self.slaMs = slaMs }

    /// The figures so far.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Asks the run to stop: its ``MonitoredPolicy`` throws ``SimulationError`` (`cancelled`) before the next step.
    public func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// Whether ``stop()`` was called.
    public var isStopRequested: Bool { stopRequested.load(ordering: .relaxed) }

    func planned(running: Int, waiting: Int, admissions: Int) {
        state.withLock {
            $0.running = running
            $0.waiting = waiting
            $0.admissions += admissions
        }
    }

    func completed(_ step: StepRecord) {
        let over = step.latencyMs > slaMs
        state.withLock {
            $0.steps += 1
            $0.simulatedSeconds = step.endTime
            if over { $0.stepsOverSLA += 1 }
        }
    }
}
