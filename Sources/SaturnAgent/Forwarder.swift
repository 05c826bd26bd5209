import Foundation
import Logging
import Synchronization
import ZMQ

/// libzmq's XSUB/XPUB proxy (`zmq_proxy`), so that large clusters need not be a full mesh: every agent's
/// broadcast PUB also connects to the forwarder's XSUB frontend (``AgentConfiguration/forwarders``), and every
/// agent subscribes to the forwarder's XPUB backend as its peer. N agents then need N connections each way, not
/// N². An agent receives its own updates back through the forwarder and drops them (`broadcast.own`).
public final class Forwarder: Sendable {
    public let frontend: String
    public let backend: String
    let context: Context
    let logger: Logger
    private let done = DispatchSemaphore(value: 0)
    private let bound = Mutex<(String, String)?>(nil)

    /// - Parameters:
    ///   - frontend: XSUB bind endpoint; publishers connect here.
    ///   - backend: XPUB bind endpoint; subscribers connect here.
    public init(frontend: String, backend: String, logger: Logger) throws {
        self.frontend = frontend
        self.backend = backend
        self.logger = logger
        context = try Context()
    }

    /// Binds both sockets and starts the proxy thread; returns the bound endpoints.
    @discardableResult
    public func start() throws -> (frontend: String, backend: String) {
        let ready = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        let context = self.context
        let (f, b) = (frontend, backend)
        let thread = Thread { [self] in
            do {
                let xsub = try Socket(context, .xsub)
                let xpub = try Socket(context, .xpub)
                let fe = try xsub.bind(f)
                let be = try xpub.bind(b)
                self.bound.withLock { $0 = (fe, be) }
                ready.signal()
                try proxy(frontend: xsub, backend: xpub)
                xsub.close()
                xpub.close()
            } catch {
                failure.withLock { $0 = "\(error)" }
                ready.signal()
                logger.error("forwarder failed", metadata: ["error": "\(error)"])
            }
            self.done.signal()
        }
        thread.name = "saturn-forwarder"
        thread.start()
        ready.wait()
        if let message = failure.withLock({ $0 }) {
            done.wait()
            throw AgentError(description: message)
        }
        let e = bound.withLock { $0! }
        return (e.0, e.1)
    }

    /// Stops the proxy (context shutdown makes `zmq_proxy` return) and releases the sockets.
    public func stop() {
        guard bound.withLock({ $0 != nil }) else { return }
        context.shutdown()
        done.wait()
        bound.withLock { $0 = nil }
        context.terminate()
    }
}
