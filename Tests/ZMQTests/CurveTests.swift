import Foundation
import Testing
import ZMQ

/// The CURVE wrappers: Z85, key pairs, server/client options, a ZAP handler and the handshake-failure monitor.
@Suite(.timeLimit(.minutes(1)))
struct CurveTests {
    @Test func z85MatchesTheRFCExampleAndRoundTrips() throws {
        // ZeroMQ RFC 32: 0x86 0x4F 0xD2 0x6F 0xB5 0x59 0xF7 0x5B encodes as "HelloWorld".
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(Z85.encode(bytes) == "HelloWorld")
        #expect(Z85.decode("HelloWorld") == bytes)
        #expect(Z85.encode([1, 2, 3]) == nil)  // not a multiple of 4
        #expect(Z85.decode("Hello") != nil && Z85.decode("Hell") == nil && Z85.decode("Hell~") == nil)
    }

    @Test func keyPairsAreGeneratedAndThePublicKeyDerived() throws {
        #expect(CurveKeyPair.isCurveAvailable)  // Debian's libzmq3-dev has CURVE (with libsodium)
        let pair = try CurveKeyPair.generate()
        #expect(CurveKeyPair.isKey(pair.publicKey) && CurveKeyPair.isKey(pair.secretKey))
        #expect(pair.publicKey != pair.secretKey)
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(try CurveKeyPair.generate() != pair)
        let error = #expect(throws: ZMQError.self) { try CurveKeyPair(secretKey: "too short") }
        #expect(error?.code == EINVAL)
    }

    /// A CURVE ROUTER behind a ZAP handler that admits one key: that client gets replies, another key gets
    /// nothing, and a plaintext client shows up on the monitor as a mechanism mismatch.
    @Test func zapAdmitsOnlyTheAllowedKeyAndTheMonitorSeesPlaintext() throws {
        let ctx = try Context()
        do {
            let server = try CurveKeyPair.generate()
            let allowed = try CurveKeyPair.generate()
            let other = try CurveKeyPair.generate()
            let zap = try Socket(ctx, .rep)
            try zap.bind(ZAPRequest.endpoint)  // before the server binds
            let router = try Socket(ctx, .router)
            try router.makeCurveServer(secretKey: server.secretKey, domain: "query")
            let monitor = try router.monitorHandshakeFailures(endpoint: "inproc://curve-test-monitor")
            let endpoint = try router.bind("tcp://127.0.0.1:*")

            var requests: [ZAPRequest] = []
            func serve(until done: () throws -> Bool) throws {
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(5)
                while clock.now < deadline, try !done() {
                    var poller = Poller([zap, router])
                    let ready = try poller.poll(timeout: 20)
                    if ready[0], let frames = try zap.receive(wait: false) {
                        let request = try #require(ZAPRequest(frames: frames))
                        requests.append(request)
                        let ok = request.curvePublicKey == allowed.publicKey
                        try zap.send(request.reply(ok ? .success : .denied, userID: ok ? "allowed" : ""))
                    }
                    if ready[1], let frames = try router.receive(wait: false) {
                        try router.send([frames[0], [], Array("pong".utf8)])
                    }
                }
            }
            func client(_ keys: CurveKeyPair?) throws -> Socket {
                let s = try Socket(ctx, .dealer)
                if let keys { try s.makeCurveClient(serverKey: server.publicKey, keys: keys) }
                try s.set(.sendTimeout, 0)
                try s.connect(endpoint)
                return s
            }
            let good = try client(allowed)
            _ = try good.send([[], Array("ping".utf8)])  // queued until the handshake is done
            var reply: [[UInt8]]?
            try serve {
                if reply == nil { reply = try good.receive(wait: false) }
                return reply != nil
            }
            #expect(reply?.last == Array("pong".utf8))
            #expect(requests.first?.domain == "query" && requests.first?.mechanism == "CURVE")

            let bad = try client(other)
            _ = try bad.send([[], Array("ping".utf8)])
            try serve { requests.count >= 2 }
            #expect(try !bad.waitForInput(milliseconds: 200))
            #expect(requests.last?.curvePublicKey == other.publicKey)

            let plain = try client(nil)
            _ = try plain.send([[], Array("ping".utf8)])
            var failure: HandshakeFailure?
            try serve {
                while failure == nil, let frames = try monitor.receive(wait: false) {
                    if let f = HandshakeFailure(frames: frames), f.reason == .mechanismMismatch { failure = f }
                }
                return failure != nil
            }
            #expect(failure?.endpoint == endpoint)
            #expect(try plain.receive(wait: false) == nil)
            for s in [good, bad, plain, monitor, router, zap] { s.close() }
        }
        ctx.terminate()
    }

    @Test func zapRequestsParseAndRepliesEchoTheID() throws {
        let key = [UInt8](repeating: 7, count: 32)
        let frames: [[UInt8]] = [Array("1.0".utf8), [9], Array("telemetry".utf8), Array("127.0.0.1".utf8), [],
                                 Array("CURVE".utf8), key]
        let request = try #require(ZAPRequest(frames: frames))
        #expect(request.domain == "telemetry" && request.address == "127.0.0.1")
        #expect(request.curvePublicKey == Z85.encode(key))
        let expected: [[UInt8]] = [Array("1.0".utf8), [9], Array("400".utf8), Array("no".utf8), [], []]
        #expect(request.reply(.denied, text: "no") == expected)
        #expect(ZAPRequest(frames: Array(frames.prefix(5))) == nil)
        #expect(ZAPRequest(frames: [Array("2.0".utf8)] + frames.dropFirst()) == nil)
        var null = frames
        null[5] = Array("NULL".utf8)
        null.removeLast()
        #expect(ZAPRequest(frames: null)?.curvePublicKey == nil)
    }
}
