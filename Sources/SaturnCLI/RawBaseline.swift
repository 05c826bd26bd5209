import CZeroMQ
import Foundation
import Locking
import Synchronization

// The raw libzmq side of `saturn bench-bus`: plain C-API loops (CZeroMQ called directly, no ZMQ wrapper, no
// allocation per message), so that "raw" means what libzmq itself costs. The same senders and the same REQ
// client drive the agent, so both sides of every comparison get identical bytes.

/// A libzmq context used through the C API only.
final class RawContext: @unchecked Sendable {
    // @unchecked: a zmq context is thread safe (zmq(7)); every socket made from it stays on the thread that made it.
    let handle: UnsafeMutableRawPointer

    init() throws {
        guard let h = zmq_ctx_new() else { throw CLIError("zmq_ctx_new failed (errno \(zmq_errno()))") }
        handle = h
    }

    /// Makes blocking calls on this context's sockets return `ETERM`.
    func shutdown() { _ = zmq_ctx_shutdown(handle) }

    /// Terminates the context (every socket must be closed).
    func terminate() { while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {} }
}

/// Checked C calls on raw sockets.
enum RawSocket {
    static func open(_ context: RawContext, _ type: Int32, linger: Int32 = 0) throws -> UnsafeMutableRawPointer {
        guard let s = zmq_socket(context.handle, type) else { throw CLIError("zmq_socket: errno \(zmq_errno())") }
        try set(s, ZMQ_LINGER, linger)
        return s
    }

    static func set(_ s: UnsafeMutableRawPointer, _ option: Int32, _ value: Int32) throws {
        var v = value
        try check(zmq_setsockopt(s, option, &v, MemoryLayout<Int32>.size), "zmq_setsockopt \(option)")
    }

    static func check(_ rc: Int32, _ operation: String) throws {
        if rc == -1 { throw CLIError("\(operation): errno \(zmq_errno())") }
    }

    /// Binds to an ephemeral loopback tcp port and returns the endpoint.
    static func bindLoopback(_ s: UnsafeMutableRawPointer) throws -> String {
        try check(zmq_bind(s, "tcp://127.0.0.1:*"), "zmq_bind")
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        try check(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, &buffer, &size), "zmq_getsockopt ZMQ_LAST_ENDPOINT")
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// One heap `zmq_msg_t`, initialised once and reused for every receive (TOOLCHAIN pitfall 1).
final class RawMessage {
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    init() {
        pointer = .allocate(capacity: 1)
        zmq_msg_init(pointer)
    }

    deinit {
        zmq_msg_close(pointer)
        pointer.deallocate()
    }

    /// Receives one frame (`EINTR` retried). Returns false on `EAGAIN` (receive timeout) or `ETERM`.
    func receive(_ s: UnsafeMutableRawPointer) throws -> Bool {
        while true {
            if zmq_msg_recv(pointer, s, 0) >= 0 { return true }
            let e = zmq_errno()
            if e == EINTR { continue }
            if e == EAGAIN || e == ETERM { return false }
            throw CLIError("zmq_msg_recv: errno \(e)")
        }
    }

    var more: Bool { zmq_msg_more(pointer) != 0 }
    var size: Int { zmq_msg_size(pointer) }
}

/// The raw PUB/SUB receiver: `zmq_msg_recv` into one `zmq_msg_t`, counting complete messages, nothing else.
enum RawSubscriber {
    /// Binds a SUB (HWM 0, subscribed to everything) on loopback tcp.
    static func open(_ context: RawContext) throws -> (socket: UnsafeMutableRawPointer, endpoint: String) {
        let sub = try RawSocket.open(context, ZMQ_SUB)
        try RawSocket.set(sub, ZMQ_RCVHWM, 0)
        try RawSocket.check(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, nil, 0), "zmq_setsockopt ZMQ_SUBSCRIBE")
        // Ends the loop when messages stop coming (a lost message would otherwise block forever).
        try RawSocket.set(sub, ZMQ_RCVTIMEO, 10_000)
        return (sub, try RawSocket.bindLoopback(sub))
    }

    /// Binds, hands the endpoint over, receives (the receiver thread's body); errors go to `endpoint` (before
    /// binding) or are printed.
    static func run(_ context: RawContext, expected: Int, endpoint: Handoff<Result<String, CLIError>>,
                    received: MessageCount) {
        let sub: UnsafeMutableRawPointer
        do {
            let (s, e) = try open(context)
            sub = s
            endpoint.put(.success(e))
        } catch {
            endpoint.put(.failure(error as? CLIError ?? CLIError("\(error)")))
            return
        }
        defer { zmq_close(sub) }
        do {
            try receive(sub, expected: expected, received: received)
        } catch {
            print("  (raw receiver failed: \(error))")
        }
    }

    /// Receives until `expected` messages have arrived or none came for 10 s; publishes the count in `received`
    /// after every message (a relaxed store, read by the same sampler that reads the agent's counter).
    static func receive(_ sub: UnsafeMutableRawPointer, expected: Int, received: MessageCount) throws {
        let message = RawMessage()
        var count = 0
        while count < expected, try message.receive(sub) {
            if !message.more {
                count += 1
                received.value.store(count, ordering: .relaxed)
            }
        }
    }
}

/// A message count written by one thread and sampled by another.
final class MessageCount: Sendable {
    let value = Atomic<Int>(0)
}

/// A raw REP echo on its own thread and context: every request (all its frames) is answered with the same
/// pre-made reply bytes (the latency baseline; the bench gives it the agent's own predict reply).
final class RawEchoServer: Sendable {
    private let context: RawContext
    private let bound = Locked<Result<String, CLIError>?>(nil)
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    /// The bound endpoint.
    var endpoint: String { (try? bound.withLock { $0 }?.get()) ?? "" }

    init(reply: [UInt8]) throws {
        context = try RawContext()
        start(reply: reply)
        ready.wait()
        if case .failure(let e)? = bound.withLock({ $0 }) {
            done.wait()
            context.terminate()
            throw e
        }
    }

    private func start(reply: [UInt8]) {
        let thread = Thread { [self] in
            defer { done.signal() }
            let rep: UnsafeMutableRawPointer
            do {
                rep = try RawSocket.open(context, ZMQ_REP)
                let e = try RawSocket.bindLoopback(rep)
                bound.withLock { $0 = .success(e) }
                ready.signal()
            } catch {
                bound.withLock { $0 = .failure(error as? CLIError ?? CLIError("\(error)")) }
                ready.signal()
                return
            }
            defer { zmq_close(rep) }
            let message = RawMessage()
            reply.withUnsafeBytes { r in
                while (try? message.receive(rep)) == true {
                    if message.more { continue }
                    while zmq_send(rep, r.baseAddress, r.count, 0) == -1 && zmq_errno() == EINTR {}
                }
            }
        }
        thread.name = "bench-echo"
        thread.start()
    }

    /// Stops the thread (context shutdown: its blocking receive returns `ETERM`) and terminates the context.
    func stop() {
        context.shutdown()
        done.wait()
        context.terminate()
    }
}

/// The raw REQ client used against both the agent and the echo: the same request bytes, `zmq_send` then
/// `zmq_msg_recv` into one `zmq_msg_t`, one `clock_gettime` pair per trip.
enum RawRequester {
    struct Run {
        /// Round-trip times in microseconds, sorted.
        var samples: [Double]
        /// The last reply (every frame after the REQ envelope; one frame for both servers here).
        var reply: [UInt8]

        var median: Double { samples[samples.count / 2] }
        var p99: Double { samples[min(samples.count - 1, Int(Double(samples.count) * 0.99))] }
    }

    static func run(endpoint: String, request: [UInt8], warmUp: Int, count: Int) throws -> Run {
        let context = try RawContext()
        defer { context.terminate() }
        let req = try RawSocket.open(context, ZMQ_REQ)
        defer { zmq_close(req) }
        try RawSocket.set(req, ZMQ_RCVTIMEO, 5000)
        try RawSocket.check(zmq_connect(req, endpoint), "zmq_connect \(endpoint)")
        let message = RawMessage()
        var samples = [Double](repeating: 0, count: count)
        var reply: [UInt8] = []
        try request.withUnsafeBytes { q in
            func trip() throws {
                while zmq_send(req, q.baseAddress, q.count, 0) == -1 {
                    guard zmq_errno() == EINTR else { throw CLIError("zmq_send: errno \(zmq_errno())") }
                }
                repeat {
                    guard try message.receive(req) else { throw CLIError("no reply from \(endpoint) within 5 s") }
                } while message.more
            }
            for _ in 0..<warmUp { try trip() }
            var t0 = timespec()
            var t1 = timespec()
            for i in 0..<count {
                clock_gettime(CLOCK_MONOTONIC, &t0)
                try trip()
                clock_gettime(CLOCK_MONOTONIC, &t1)
                samples[i] = Double(t1.tv_sec - t0.tv_sec) * 1e6 + Double(t1.tv_nsec - t0.tv_nsec) * 1e-3
            }
            reply = Array(UnsafeRawBufferPointer(start: zmq_msg_data(message.pointer), count: message.size))
        }
        samples.sort()
        return Run(samples: samples, reply: reply)
    }
}
