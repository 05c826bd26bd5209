import Foundation
import Locking
import Testing
import ZMQ

struct ZMQTests {
    @Test func pubSubCarriesMultipartFramesOverInproc() throws {
        let ctx = try Context()
        do {
            let sub = try Socket(ctx, .sub)
            try sub.subscribe(Array("t".utf8))
            try sub.bind("inproc://pubsub-test")
            let pub = try Socket(ctx, .pub)
            try pub.connect("inproc://pubsub-test")
            // Slow joiner: repeat until the subscription has propagated (bounded).
            var got: [[UInt8]]? = nil
            for _ in 0..<200 where got == nil {
                try pub.send([Array("t".utf8), [1, 2, 3], []])
                var poller = Poller([sub])
                if try poller.poll(timeout: 10)[0] { got = try sub.receive(wait: false) }
            }
            #expect(got == [Array("t".utf8), [1, 2, 3], []])
            try pub.send([Array("x".utf8), [9]])  // filtered out by the prefix
            var poller = Poller([sub])
            let ready = try poller.poll(timeout: 50)
            if ready[0] { #expect(try sub.receive(wait: false)?.first == Array("t".utf8)) }
        }
        ctx.terminate()
    }

    @Test func routerSeesTheEnvelopeAndRepliesReachREQ() throws {
        let ctx = try Context()
        do {
            let router = try Socket(ctx, .router)
            let endpoint = try router.bind("tcp://127.0.0.1:*")
            #expect(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix(":*"))
            let req = try Socket(ctx, .req)
            try req.connect(endpoint)
            try req.send([Array("ping".utf8)])
            let frames = try #require(try router.receive())
            #expect(frames.count == 3 && frames[1].isEmpty && frames[2] == Array("ping".utf8))
            try router.send([frames[0], [], Array("pong".utf8)])
            #expect(try req.receive() == [Array("pong".utf8)])
        }
        ctx.terminate()
    }

    @Test func eagainIsAValueNotAnError() throws {
        let ctx = try Context()
        do {
            let pull = try Socket(ctx, .pull)
            try pull.bind("inproc://empty")
            #expect(try pull.receive(wait: false) == nil)
            var poller = Poller([pull])
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try poller.poll(timeout: 30) == [false])
            #expect(clock.now - start >= .milliseconds(25))
            try pull.set(.receiveTimeout, 10)
            #expect(try pull.receive() == nil)  // timeout -> nil
        }
        ctx.terminate()
    }

    @Test func bindErrorsKeepErrnoAndOperation() throws {
        let ctx = try Context()
        do {
            let a = try Socket(ctx, .pub)
            let e = try a.bind("tcp://127.0.0.1:*")
            let b = try Socket(ctx, .pub)
            do {
                try b.bind(e)
                Issue.record("second bind of \(e) succeeded")
            } catch {
                #expect(error.operation.contains("zmq_bind"))
                #expect(error.code != 0)
                #expect(error.description.contains("errno"))
            }
            #expect(throws: ZMQError.self) { try b.connect("nonsense://x") }
        }
        ctx.terminate()
    }

    @Test func shutdownWakesABlockedReceiverWithETERM() async throws {
        let ctx = try Context()
        let result = Task.detached { () -> Bool in
            do {
                let s = try Socket(ctx, .pull)
                try s.bind("inproc://blocked")
                _ = try s.receive()  // blocks until shutdown
                return false
            } catch let error as ZMQError {
                return error.isContextTerminated
            } catch {
                return false
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        ctx.shutdown()
        #expect(await result.value)
        ctx.terminate()
    }

    /// A PUSH with a message queued for a peer that never comes: with LINGER 0 (the wrapper's default) closing
    /// the socket and terminating the context return at once. The blocking part runs on its own thread, watched
    /// with a deadline, so a regression fails here instead of hanging the test run (the time limit below cannot
    /// interrupt a thread blocked in `zmq_ctx_term`).
    @Test(.timeLimit(.minutes(1)))
    func closingWithUndeliveredMessagesDoesNotHang() async throws {
        let ctx = try Context()
        let outcome = Locked<(queued: Bool, close: Duration, terminate: Duration)?>(nil)
        let failure = Locked<String?>(nil)
        let worker = Thread {
            let clock = ContinuousClock()
            do {
                let push = try Socket(ctx, .push)
                try push.connect("tcp://127.0.0.1:1")  // nobody listens: the message stays queued
                let queued = try push.send([[1, 2, 3]], wait: false)
                let start = clock.now
                push.close()
                let closed = clock.now
                ctx.terminate()
                let terminated = clock.now
                outcome.withLock { $0 = (queued, closed - start, terminated - closed) }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
        worker.start()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while outcome.withLock({ $0 }) == nil && failure.withLock({ $0 }) == nil && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        if let error = failure.withLock({ $0 }) { Issue.record("socket setup failed: \(error)") }
        guard let (queued, close, terminate) = outcome.withLock({ $0 }) else {
            if failure.withLock({ $0 }) == nil {
                Issue.record("close() and terminate() did not return within 20 s with an undelivered message")
            }
            return
        }
        // The message was accepted into the queue (a PUSH queues for a connecting peer), so it is undelivered.
        #expect(queued)
        // LINGER 0: both return in microseconds; one second is far above any scheduling noise.
        #expect(close < .seconds(1), "close() took \(close)")
        #expect(terminate < .seconds(1), "terminate() took \(terminate)")
    }
}
