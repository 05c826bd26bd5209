import Foundation
import Logging
import SaturnModel
import Synchronization
import ZMQ

/// Counters of a running agent.
public struct AgentStatistics: Sendable, Equatable {
    public var telemetryAccepted: UInt64
    public var queriesAnswered: UInt64
    public var updatesPublished: UInt64
    public var updatesAdopted: UInt64
    public var snapshotsRequested: UInt64
    /// Drops by reason: `telemetry.<reason>`, `broadcast.<reason>`, `query.<code>`.
    public var drops: [String: UInt64]
}

/// Why an agent could not start.
public struct AgentError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// One Saturn agent: a socket thread (telemetry in, queries, broadcasts, peers) and a fit worker thread.
///
/// ```swift
/// let agent = try buildAgent(configuration: AgentConfiguration(), logger: logger)
/// let endpoints = try agent.start()      // sockets bound; returns the actual endpoints
/// ...
/// agent.stop()                           // joins both threads, closes sockets, terminates the context
/// ```
public final class Agent: Sendable {
    public let configuration: AgentConfiguration
    let state: AgentState
    let context: Context
    let mailbox: BusMailbox
    let fitWorker: FitWorker
    let logger: Logger

    private struct Runtime {
        var started = false
        var stopped = false
        var endpoints: BoundEndpoints? = nil
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let runtime = Mutex(Runtime())
    private let busDone = DispatchSemaphore(value: 0)
    private let fitDone = DispatchSemaphore(value: 0)

    init(configuration: AgentConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        state = AgentState(configuration: configuration)
        do {
            context = try Context()
        } catch {
            throw AgentError(description: "cannot create a ZeroMQ context: \(error)")
        }
        mailbox = BusMailbox(context: context, name: "\(ObjectIdentifier(state).hashValue)")
        fitWorker = FitWorker(state: state, mailbox: mailbox, logger: logger)
    }

    /// A consistent copy of the agent's counters (what the health reply shows; the seam for a metrics exporter).
    public var statistics: AgentStatistics {
        let c = state.counters.withLock { $0 }
        return AgentStatistics(
            telemetryAccepted: c.telemetryAccepted, queriesAnswered: c.queriesAnswered,
            updatesPublished: c.updatesPublished, updatesAdopted: c.updatesAdopted,
            snapshotsRequested: c.snapshotsRequested, drops: c.drops)
    }

    /// The bound endpoints (nil before ``start()``).
    public var endpoints: BoundEndpoints? { runtime.withLock { $0.endpoints } }

    /// Binds the sockets and starts both threads. Returns when the sockets are bound.
    /// - Throws: ``AgentError`` when an endpoint cannot be bound (in use, bad address).
    @discardableResult
    public func start() throws -> BoundEndpoints {
        let first = runtime.withLock { r -> Bool in
            defer { r.started = true }
            return !r.started
        }
        guard first else { throw AgentError(description: "agent already started") }
        let ready = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<BoundEndpoints, AgentError>?>(nil)
        let state = self.state
        let mailbox = self.mailbox
        let context = self.context
        let logger = self.logger
        let fitWorker = self.fitWorker
        let busDone = self.busDone
        let bus = Thread {
            let loop = BusLoop(state: state, mailbox: mailbox, context: context, logger: logger) { fitWorker.wake() }
            do {
                let e = try loop.open()
                outcome.withLock { $0 = .success(e) }
                ready.signal()
                loop.run()
            } catch {
                outcome.withLock { $0 = .failure(AgentError(description: "\(error)")) }
                ready.signal()
            }
            busDone.signal()
        }
        bus.name = "saturn-bus"
        bus.start()
        ready.wait()
        let result = outcome.withLock { $0! }
        switch result {
        case .failure(let e):
            busDone.wait()
            mailbox.close()
            runtime.withLock { $0.stopped = true }
            throw e
        case .success(let endpoints):
            runtime.withLock { $0.endpoints = endpoints }
            let fitDone = self.fitDone
            let worker = Thread {
                fitWorker.run()
                fitDone.signal()
            }
            worker.name = "saturn-fit"
            worker.start()
            logger.info(
                "agent started",
                metadata: ["node": "\(configuration.nodeID)", "telemetry": "\(endpoints.telemetry)",
                           "query": "\(endpoints.query)", "broadcast": "\(endpoints.broadcast)",
                           "peers": "\(configuration.peers.map(\.broadcast))"])
            return endpoints
        }
    }

    /// Stops both threads and releases every socket. Idempotent; never hangs (LINGER 0 everywhere).
    public func stop() {
        let (wasRunning, waiters) = runtime.withLock { r -> (Bool, [CheckedContinuation<Void, Never>]) in
            defer {
                r.stopped = true
                r.waiters = []
            }
            return (r.started && !r.stopped && r.endpoints != nil, r.waiters)
        }
        if wasRunning {
            fitWorker.stop()
            fitDone.wait()
            mailbox.post(.stop)
            busDone.wait()
            mailbox.close()
            context.terminate()
            logger.info("agent stopped", metadata: ["node": "\(configuration.nodeID)"])
        }
        for w in waiters { w.resume() }
    }

    /// Suspends until ``stop()`` has run.
    public func waitUntilStopped() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = runtime.withLock { r -> Bool in
                if r.stopped { return true }
                r.waiters.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
    }

    deinit { stop() }
}

/// Builds an agent from a configuration (what `saturn agent` and the tests call).
/// - Throws: ``AgentError`` for an invalid configuration.
public func buildAgent(configuration: AgentConfiguration, logger: Logger) throws -> Agent {
    let problems = configuration.problems
    guard problems.isEmpty else { throw AgentError(description: problems.joined(separator: "; ")) }
    return try Agent(configuration: configuration, logger: logger)
}
