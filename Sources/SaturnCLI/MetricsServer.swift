import Locking
import NIOCore
import NIOHTTP1
import NIOPosix
import SaturnAgent
import ServiceLifecycle

/// The HTTP endpoint of `saturn agent --metrics`, as a `Service`: ``run()`` binds `address`, serves
/// `GET /metrics` (``MetricsHTTPHandler``) until graceful shutdown or cancellation, then closes the listening socket,
/// stops its event loop and returns (each connection closes after its one response, so nothing is left to drain).
///
/// It runs on an event loop of its own, one thread at the lowest scheduling priority
/// (``SaturnAgent/ThreadPriority/lowerCurrentThread()``, as the adaptation thread): a scrape renders the whole page
/// (hundreds of microseconds) and, on a node with two busy cores, would otherwise hold a core a waking socket thread
/// needs. The price: on a node whose cores are saturated, scrapes wait for a free core.
///
/// ```swift
/// let server = MetricsServer(address: HostPort(host: "127.0.0.1", port: 9464)) { export.page(for: agent) }
/// let group = ServiceGroup(services: [agent, server], ...)     // started and stopped with the agent
/// let bound = try await server.boundAddress()                  // "127.0.0.1:9464" (port resolved when 0)
/// ```
final class MetricsServer: Service, Sendable {
    /// Why the server could not start.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let address: HostPort
    private let render: @Sendable () -> [UInt8]
    private let bound = Locked<(result: Result<String, Failure>?, waiters: [CheckedContinuation<String, any Error>])>(
        (nil, []))

    /// - Parameters:
    ///   - address: where to listen (`127.0.0.1`, `0.0.0.0`, `::1`, a host name); port 0 lets the system choose
    ///     (read it from ``boundAddress()``).
    ///   - render: the page, called on the server's event loop thread for every scrape.
    init(address: HostPort, render: @escaping @Sendable () -> [UInt8]) {
        self.address = address
        self.render = render
    }

    /// `HOST:PORT` the server listens on, once bound.
    /// - Throws: ``Failure`` when binding failed.
    func boundAddress() async throws -> String {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<String, any Error>) in
            let ready = bound.withLock { b -> Result<String, Failure>? in
                if let r = b.result { return r }
                b.waiters.append(c)
                return nil
            }
            if let ready { c.resume(with: ready) }
        }
    }

    private func complete(_ result: Result<String, Failure>) {
        let waiters = bound.withLock { b -> [CheckedContinuation<String, any Error>] in
            guard b.result == nil else { return [] }
            b.result = result
            defer { b.waiters = [] }
            return b.waiters
        }
        for w in waiters { w.resume(with: result.mapError { $0 as any Error }) }
    }

    /// Serves until graceful shutdown or cancellation.
    /// - Throws: ``Failure`` when the address cannot be bound (in use, not an address of this host).
    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await group.next().submit { ThreadPriority.lowerCurrentThread() }.get()
            try await serve(on: group)
        } catch {
            complete(.failure(Failure(description: "cannot serve metrics on \(address): \(error)")))  // if not yet
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    private func serve(on group: MultiThreadedEventLoopGroup) async throws {
        let render = self.render
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 64)
                .childChannelInitializer { child in
                    child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try child.pipeline.syncOperations.addHandler(MetricsHTTPHandler(render: render))
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
        } catch {
            let failure = Failure(description: "cannot serve metrics on \(address): \(error)")
            complete(.failure(failure))
            throw failure
        }
        let local = channel.localAddress.map {
            HostPort(host: $0.ipAddress ?? address.host, port: $0.port ?? address.port)
        }
        complete(.success((local ?? address).description))
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await channel.closeFuture.get()
            } onGracefulShutdown: {
                channel.close(promise: nil)
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}
