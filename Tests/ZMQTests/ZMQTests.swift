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

    @Test func closingWithUndeliveredMessagesDoesNotHang() throws {
        let ctx = try Context()
        do {
            let push = try Socket(ctx, .push)
            try push.connect("tcp://127.0.0.1:1")  // nobody there: messages stay queued
            _ = try push.send([[1, 2, 3]], wait: false)
        }
        ctx.terminate()  // returns at once thanks to LINGER 0
    }
}
