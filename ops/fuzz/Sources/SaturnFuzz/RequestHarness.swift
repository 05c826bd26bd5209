import SaturnAgent
import SaturnWire
import SwiftProtobuf

/// `Request` on the query socket: the agent's whole query path without sockets (envelope, decode, validation,
/// every decision) over a fresh state. Every message with a frame to route to gets exactly one reply, which
/// decodes as a `Reply`.
enum RequestHarness {
    nonisolated(unsafe) static let service = QueryService(configuration: AgentConfiguration())

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        // Low bit set: the rest is the payload of a well-formed envelope (most inputs reach the decoders);
        // clear: the rest is split into frames (envelopes of every shape).
        let rest = UnsafeRawBufferPointer(rebasing: input[1...])
        let frames = first & 1 == 1 ? [[0x00, 0x6b, 0x8b, 0x45, 0x67], [], Array(rest)] : FrameSplit.frames(rest)
        guard let reply = service.handle(frames) else {
            if !frames.isEmpty { fatalError("no reply to \(frames.count) frames") }
            return
        }
        guard let payload = reply.last, reply.count >= 2, reply.first == frames.first else {
            fatalError("reply frames do not route back: \(reply.count) frames")
        }
        do {
            _ = try Saturn_V1_Reply(serializedBytes: payload)
        } catch {
            fatalError("the reply does not decode: \(error)")
        }
    }
}
