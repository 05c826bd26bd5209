import Foundation
import Locking
import Logging
import Metrics
import SaturnModel
import SaturnWire
import ServiceLifecycle
import Synchronization
import ZMQ

/// One Saturn agent, as a `Service`: ``run()`` binds the sockets, starts the socket thread (telemetry in,
/// queries, broadcasts, peers: ``BusLoop``) and the adaptation thread (``AdaptationWorker``), and returns after graceful
/// shutdown or cancellation, once both threads have exited and every socket is closed.
///
/// ```swift
/// let agent = try Agent(configuration: AgentConfiguration(), logger: logger)
/// let group = ServiceGroup(services: [agent], gracefulShutdownSignals: [.sigterm], logger: logger)
/// async let running: Void = group.run()
/// let endpoints = try await agent.endpoints()    // bound (ports resolved)
/// try await running
/// ```
///
/// Or, for a scope (tests, demos, benchmarks): `try await agent.withRunning { endpoints in ... }`.
public final class Agent: Service, Sendable {
    public let configuration: AgentConfiguration
    let state: AgentState
    let logger: Logger
    /// The CURVE keys, when CURVE is on.
    let curve: CurveSetup?
    private let bound = Completion<Result<BoundEndpoints, AgentError>>()
    private let started = Atomic<Bool>(false)

    /// - Parameters:
    ///   - configuration: what to bind and how to adapt.
    ///   - logger: where the agent logs.
    ///   - metricsFactory: where the agent's metrics (``AgentMetrics``) go: give each agent a factory of its own
    ///     (e.g. a Prometheus factory over a registry per agent) when several run in one process. Default: the
    ///     process-wide `MetricsSystem.factory` (a no-op unless the executable bootstrapped one).
    /// - Throws: ``AgentError`` (`invalidConfiguration`) listing the configuration's problems, naming a key file
    ///   that cannot be used (unreadable, malformed, a secret key with permissions wider than 0600), or when the
    ///   state directory cannot be used.
    public init(
        configuration: AgentConfiguration, logger: Logger, metricsFactory: (any MetricsFactory)? = nil
    ) throws(AgentError) {
        let problems = configuration.problems
        guard problems.isEmpty else {
            throw AgentError(.invalidConfiguration, problems.joined(separator: "; "))
        }
        self.configuration = configuration
        self.logger = logger
        curve = try CurveSetup.load(configuration)
        state = AgentState(
            configuration: configuration, metrics: AgentMetrics(factory: metricsFactory ?? MetricsSystem.factory))
        try state.restore(logger: logger)  // with a state directory: queries answer from the kept sets at once
    }

    /// A consistent copy of the agent's counters (what the health reply shows; the seam for a metrics exporter).
    public var statistics: AgentStatistics { state.counters.withLock { $0 } }

    /// Brings the agent's counters and per-key gauges (``AgentMetrics``) up to date with its state: an exporter
    /// calls it before each scrape. Histograms need no call (they are recorded as queries and updates end).
    public func updateMetrics() {
        state.metrics.update(
            from: statistics, keys: QueryService(state: state).health().keys,
            authenticates: configuration.curveKey != nil)
    }

    /// The bound endpoints, once ``run()`` has bound them.
    /// - Throws: the ``AgentError`` that made binding fail.
    public func endpoints() async throws(AgentError) -> BoundEndpoints {
        try await bound.wait().get()
    }

    /// Runs the agent until graceful shutdown or cancellation. Call once.
    /// - Throws: ``AgentError``: `bindFailed` when an endpoint cannot be bound, `socketFailed` when the socket
    ///   loop fails, `alreadyRunning` on a second call.
    public func run() async throws {
        let context = try ServiceStart.context(started, name: "an agent", bound: bound)
        let mailbox = BusMailbox(context: context, name: "\(ObjectIdentifier(self).hashValue)")
        let fitWorker = AdaptationWorker(state: state, mailbox: mailbox, logger: logger)
        let busExit = Completion<AgentError?>()
        let (state, logger, bound, curve) = (self.state, self.logger, self.bound, self.curve)
        let bus = Thread {
            do throws(AgentError) {
                let loop = try BusLoop(state: state, mailbox: mailbox, context: context, curve: curve, logger: logger) {
                    fitWorker.wake()
                }
                bound.complete(.success(loop.endpoints))
                try loop.run()
                busExit.complete(nil)
            } catch {
                bound.complete(.failure(error))
                busExit.complete(error)
            }
        }
        bus.name = "saturn-bus"
        bus.start()
        let endpoints: BoundEndpoints
        switch await bound.wait() {
        case .failure(let e):
            _ = await busExit.wait()
            mailbox.close()
            context.terminate()
            throw e
        case .success(let e):
            endpoints = e
        }
        let fitExit = Completion<Void>()
        let fit = Thread {
            // Below the socket thread: on a busy machine an update waits for a core rather than a query.
            fitWorker.lowerThreadPriority()
            fitWorker.run()
            fitExit.complete(())
        }
        fit.name = "saturn-adapt"
        fit.start()
        logger.info(
            "agent started",
            metadata: ["node": "\(configuration.nodeID)", "telemetry": "\(endpoints.telemetry)",
                       "query": "\(endpoints.query)", "broadcast": "\(endpoints.broadcast)",
                       "peers": "\(configuration.peers.map(\.broadcast))",
                       "fpm": "\(configuration.forwardPassSources.map(\.description))",
                       "curve": "\(curve.map { "on, key \($0.keys.publicKey), allow \($0.allowDirectory)" } ?? "off")"])
        if curve == nil && configuration.insecure {
            for e in [endpoints.telemetry, endpoints.query, endpoints.broadcast]
            where !AgentConfiguration.isLoopback(e) {
                logger.warning(
                    "insecure: \(e) is not loopback and has no CURVE: anyone who reaches it may publish, query, inject")
            }
        }
        // Until shutdown is asked for, or the socket loop fails on its own.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                _ = await busExit.wait()
            } onGracefulShutdown: {
                mailbox.post(.stop)
            }
        } onCancel: {
            mailbox.post(.stop)
        }
        fitWorker.stop()
        await fitExit.wait()
        state.writeStateIfChanged(flush: true, logger: logger)
        let failure = await busExit.wait()
        // Every socket is closed by now (LINGER 0), so terminating the context returns at once.
        mailbox.close()
        context.terminate()
        logger.info("agent stopped", metadata: ["node": "\(configuration.nodeID)"])
        if let failure {
            logger.error("socket loop failed", metadata: ["error": "\(failure)"])
            throw failure
        }
    }

    /// Runs the agent for the duration of `body`, which gets the bound endpoints; then shuts it down and waits
    /// for it to stop.
    /// - Throws: the agent's error when it cannot start or fails, else `body`'s.
    public func withRunning<R: Sendable>(_ body: (BoundEndpoints) async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run() }
            let endpoints: BoundEndpoints
            do {
                endpoints = try await self.endpoints()
            } catch {
                try await group.waitForAll()
                throw error
            }
            do {
                let result = try await body(endpoints)
                group.cancelAll()
                try await group.waitForAll()
                return result
            } catch {
                group.cancelAll()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}
