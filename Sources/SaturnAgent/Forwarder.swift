import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ZMQ

/// libzmq's XSUB/XPUB proxy as a `Service`, so that large clusters need not be a full mesh: every agent's
/// broadcast PUB also connects to the forwarder's XSUB frontend (``AgentConfiguration/forwarders``), and every
/// agent subscribes to the forwarder's XPUB backend as its peer. N agents then need N connections each way, not
/// N². An agent receives its own updates back through the forwarder and drops them (`broadcast.own`).
public final class Forwarder: Service, Sendable {
    public let frontend: String
    public let backend: String
    let logger: Logger
    private let bound = Completion<Result<(frontend: String, backend: String), AgentError>>()
    private let started = Atomic<Bool>(false)

    /// - Parameters:
    ///   - frontend: XSUB bind endpoint; publishers connect here.
    ///   - backend: XPUB bind endpoint; subscribers connect here.
    public init(frontend: String, backend: String, logger: Logger) {
        self.frontend = frontend
        self.backend = backend
        self.logger = logger
    }

    /// The bound endpoints, once ``run()`` has bound them.
    /// - Throws: the ``AgentError`` that made binding fail.
    public func endpoints() async throws(AgentError) -> (frontend: String, backend: String) {
        try await bound.wait().get()
    }

    /// Binds both sockets and proxies until graceful shutdown or cancellation (which shut the context down, so
    /// that `zmq_proxy` returns); returns once the proxy thread has exited.
    public func run() async throws {
        let context = try ServiceStart.context(started, name: "a forwarder", bound: bound)
        let exit = Completion<AgentError?>()
        let (f, b, bound, logger) = (frontend, backend, self.bound, self.logger)
        let thread = Thread {
            var sockets: [Socket] = []
            defer { for s in sockets { s.close() } }
            let xsub: Socket, xpub: Socket
            do {
                xsub = try Socket(context, .xsub)
                sockets.append(xsub)
                xpub = try Socket(context, .xpub)
                sockets.append(xpub)
                bound.complete(.success((try xsub.bind(f), try xpub.bind(b))))
            } catch {
                let e = AgentError(.bindFailed, "cannot bind the forwarder (\(f), \(b))", cause: error)
                bound.complete(.failure(e))
                exit.complete(e)
                return
            }
            do throws(ZMQError) {
                try proxy(frontend: xsub, backend: xpub)
                exit.complete(nil)
            } catch where error.isContextTerminated {
                exit.complete(nil)
            } catch {
                logger.error("forwarder failed", metadata: ["error": "\(error)"])
                exit.complete(AgentError(.socketFailed, "the proxy failed", cause: error))
            }
        }
        thread.name = "saturn-forwarder"
        thread.start()
        if case .failure(let e) = await bound.wait() {
            _ = await exit.wait()
            context.terminate()
            throw e
        }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                _ = await exit.wait()
            } onGracefulShutdown: {
                context.shutdown()
            }
        } onCancel: {
            context.shutdown()
        }
        let failure = await exit.wait()
        context.terminate()
        if let failure { throw failure }
    }
}
