import CZeroMQ
import Foundation
import SaturnModel
import SaturnWire

/// The telemetry of one ingest configuration, serialised once before anything is timed: message `i` comes from
/// worker `i % workers` with that worker's next sequence number (1, 2, ...), so the agent drops none as a
/// duplicate. The raw receiver and the agent are sent this identical list by the same raw C sender.
final class PreserializedTelemetry: Sendable {
    /// Every payload, back to back.
    let bytes: [UInt8]
    /// End of payload `i` in ``bytes``.
    let ends: [Int]
    let workers: Int

    var count: Int { ends.count }
    /// Smallest and largest payload in bytes.
    let sizes: ClosedRange<Int>
    var meanSize: Double { Double(bytes.count) / Double(count) }

    /// Serialises `count` `StepTelemetry` messages of `key` from `workers` worker ids.
    init(count: Int, workers: Int, key: ModelKey) throws {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        bytes.reserveCapacity(count * 80)
        ends.reserveCapacity(count)
        var m = Saturn_V1_StepTelemetry(
            workerID: "", key: key, batchSize: 32, tokens: 512, latencyMs: 41.7, sequence: 0,
            timestampNs: 1_764_000_000_000_000_000)
        let ids = (0..<workers).map { String(format: "bench-worker-%03d", $0) }
        var smallest = Int.max
        var largest = 0
        for i in 0..<count {
            m.workerID = ids[i % workers]
            m.sequence = UInt64(i / workers + 1)
            m.timestampNs = 1_764_000_000_000_000_000 + Int64(i) * 1000
            let payload = m.wireBytes()
            bytes.append(contentsOf: payload)
            ends.append(bytes.count)
            smallest = min(smallest, payload.count)
            largest = max(largest, payload.count)
        }
        self.bytes = bytes
        self.ends = ends
        self.workers = workers
        sizes = smallest...largest
    }

    /// Publishes every message as `[topic "step", payload]` from one raw C PUB socket (HWM 0) on its own thread
    /// and context, after a slow-joiner pause. The socket stays open (its queue keeps draining) until
    /// ``Sending/finish()``, which the caller calls once the receiving side has counted what it needed.
    func startSending(to endpoint: String) -> Sending {
        let sending = Sending()
        let thread = Thread { [self] in
            defer { sending.finished.signal() }
            do {
                try send(to: endpoint, until: sending.stop)
            } catch {
                print("  (sender failed: \(error))")
            }
        }
        thread.name = "bench-sender"
        thread.start()
        return sending
    }

    /// A running sender.
    final class Sending: Sendable {
        fileprivate let stop = DispatchSemaphore(value: 0)
        fileprivate let finished = DispatchSemaphore(value: 0)

        /// Lets the sender close its socket (LINGER 0: whatever is still queued is dropped) and waits for it.
        func finish() {
            stop.signal()
            finished.wait()
        }
    }

    private func send(to endpoint: String, until stop: DispatchSemaphore) throws {
        let context = try RawContext()
        defer { context.terminate() }
        let pub = try RawSocket.open(context, ZMQ_PUB)
        defer {
            stop.wait()
            zmq_close(pub)
        }
        try RawSocket.set(pub, ZMQ_SNDHWM, 0)
        try RawSocket.check(zmq_connect(pub, endpoint), "zmq_connect \(endpoint)")
        Thread.sleep(forTimeInterval: 0.5)  // slow joiner: the subscription must arrive first
        try Topic.step.withUnsafeBytes { topic in
            try bytes.withUnsafeBytes { all in
                var start = 0
                for end in ends {
                    while zmq_send(pub, topic.baseAddress, topic.count, ZMQ_SNDMORE) == -1 {
                        guard zmq_errno() == EINTR else { throw CLIError("zmq_send: errno \(zmq_errno())") }
                    }
                    while zmq_send(pub, all.baseAddress! + start, end - start, 0) == -1 {
                        guard zmq_errno() == EINTR else { throw CLIError("zmq_send: errno \(zmq_errno())") }
                    }
                    start = end
                }
            }
        }
    }
}
