import Foundation
import SaturnModel

/// A scheduling policy that reports to a ``RunProgress`` as it goes (every plan: running, waiting, admissions;
/// every completed step), and optionally paces the run to the wall clock; decisions and telemetry are the
/// wrapped policy's, unchanged.
///
/// When the progress's ``RunProgress/stop()`` has been called, the next ``plan(_:into:)`` throws
/// ``SimulationError`` (`cancelled`), which ends the engine's run.
public struct MonitoredPolicy<Inner: SchedulingPolicy>: SchedulingPolicy {
    /// Simulated time runs at most `speedup` times as fast as the wall clock from `start`: after a step that ends
    /// at simulated time `t` (seconds), the engine's thread sleeps until `start + t / speedup`.
    public struct Pacing: Sendable {
        public var start: ContinuousClock.Instant
        public var speedup: Double

        /// - Precondition: `speedup` is finite and > 0.
        public init(start: ContinuousClock.Instant, speedup: Double) {
            precondition(speedup.isFinite && speedup > 0, "the speedup must be finite and > 0")
            self.start = start
            self.speedup = speedup
        }
    }

    /// The wrapped policy.
    public var inner: Inner
    public let progress: RunProgress
    public let pacing: Pacing?
    public var name: String { inner.name }

    public init(_ inner: Inner, progress: RunProgress, pacing: Pacing? = nil) {
        self.inner = inner
        self.progress = progress
        self.pacing = pacing
    }

    public mutating func plan(_ state: EngineState, into plan: inout StepPlan) throws {
        guard !progress.isStopRequested else { throw SimulationError(.cancelled, "the run was stopped") }
        try inner.plan(state, into: &plan)
        progress.planned(running: state.running.count, waiting: state.waitingCount, admissions: plan.admissions.count)
    }

    public mutating func observe(_ step: StepRecord) throws {
        progress.completed(step)
        try inner.observe(step)
        if let pacing {
            let ahead = (pacing.start + .seconds(step.endTime / pacing.speedup) - ContinuousClock.now).inSeconds
            if ahead > 0 { Thread.sleep(forTimeInterval: ahead) }
        }
    }
}
