import SaturnModel
import SaturnWire
import SwiftProtobuf
import Locking
import Testing

@testable import SaturnAgent

/// The query path driven without sockets: exactly one reply per routable message, every error counted by
/// its code, every answer counted once.
struct QueryServiceTests {
    static func service() -> (QueryService, AgentState) {
        let state = AgentState(configuration: .ephemeralLoopback(nodeID: "q"))
        return (QueryService(state: state), state)
    }

    static func reply(_ frames: [[UInt8]]?) throws -> Saturn_V1_Reply {
        let f = try #require(frames)
        return try Saturn_V1_Reply(serializedBytes: try #require(f.last))
    }

    static let identity: [UInt8] = [0, 1, 2, 3, 4]

    @Test func answersAndErrorsAreCountedByCode() throws {
        let (service, state) = Self.service()
        let key = ModelKey(model: "llama2-70b", hardware: "a100-80gb-tp2")
        let good: [UInt8] = try Saturn_V1_Request.predict(key, batchSize: 4, tokens: 64, requestID: 9).serializedBytes()
        var versionTwo = Saturn_V1_Request.health(requestID: 3)
        versionTwo.protocolVersion = 2
        var noBody = Saturn_V1_Request.health(requestID: 4)
        noBody.body = nil
        let cases: [([[UInt8]], QueryError.Code?)] = [
            ([Self.identity, [], good], nil),
            ([Self.identity, good], nil),  // bare DEALER
            ([Self.identity, [], try Saturn_V1_Request.health().serializedBytes()], nil),
            ([Self.identity, [], try Saturn_V1_Request.parameters().serializedBytes()], nil),
            ([Self.identity, [], [0xff, 0xff, 0xff]], .malformed),
            ([Self.identity, [], try versionTwo.serializedBytes()], .unsupportedVersion),
            ([Self.identity, [], try noBody.serializedBytes()], .missingBody),
            ([Self.identity, [], try Saturn_V1_Request.predict(key, batchSize: .nan, tokens: 1).serializedBytes()], .invalidArgument),
            ([Self.identity, [], try Saturn_V1_Request.predict(key, batchSize: 1, tokens: 0).serializedBytes()], .invalidArgument),
            ([Self.identity, [], try Saturn_V1_Request.predict(ModelKey(model: "", hardware: "x"), batchSize: 1, tokens: 1).serializedBytes()], .invalidArgument),
            ([Self.identity, [], [UInt8](repeating: 0, count: 70_000)], .tooLarge),
            ([Self.identity, [], [], good], .malformedEnvelope),
        ]
        for (frames, expected) in cases {
            let reply = try Self.reply(service.handle(frames))
            if let expected {
                #expect(QueryError.Code(reply.error.code) == expected, "\(expected)")
            } else {
                #expect(reply.body != nil && { if case .error? = reply.body { false } else { true } }())
            }
        }
        #expect(service.handle([Self.identity]) != nil)  // a lone identity still gets its error
        #expect(service.handle([]) == nil)  // nothing to route a reply to
        let s = state.counters.withLock { $0 }
        #expect(s.queriesAnswered == 4)
        #expect(s.queryErrors == [.malformed: 1, .unsupportedVersion: 1, .missingBody: 1, .invalidArgument: 3,
                                  .tooLarge: 1, .malformedEnvelope: 3])
        #expect(s.drops["query.invalid_argument"] == 3 && s.drops["query.malformed_envelope"] == 3)
    }

    @Test func theReplyEchoesTheEnvelopeAndTheRequestID() throws {
        let (service, _) = Self.service()
        let request: [UInt8] = try Saturn_V1_Request.health(requestID: 77).serializedBytes()
        let frames = try #require(service.handle([Self.identity, [], request]))
        #expect(frames.count == 3 && frames[0] == Self.identity && frames[1].isEmpty)
        let reply = try Self.reply(frames)
        #expect(reply.requestID == 77 && reply.health.nodeID == "q")
    }
}
