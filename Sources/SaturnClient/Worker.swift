import Foundation
import SaturnModel
import SaturnWire
import ZMQ

/// Publishes one `StepTelemetry` message per engine step to an agent (what an inference worker calls after
/// every step); the Swift twin of the Python client's `Worker`.
///
/// ```swift
/// let worker = try Worker(endpoint: "tcp://127.0.0.1:5555", workerID: "gpu0-w0",
///                         key: ModelKey(model: "llama2-70b", hardware: "h100-80gb-tp4"))
/// try worker.waitUntilConnected()      // PUB/SUB drops what is sent before the subscription arrives
/// try worker.publish(batchSize: 32, tokens: 32, latencyMs: 41.7)
/// worker.close()
/// ```
///
/// Never blocks the engine: beyond `sendHighWaterMark` queued messages, steps are dropped (and counted in
/// ``dropped``), as a PUB socket does. Like its socket, a worker belongs to one thread.
public final class Worker {
    public let workerID: String
    public let key: ModelKey
    private let context: Context
    private let ownsContext: Bool
    private let socket: Socket
    private var monitor: Socket?
    private var sequence: UInt64 = 0
    private var message: Saturn_V1_StepTelemetry
    /// Steps not queued because the send queue was full.
    public private(set) var dropped: UInt64 = 0

    /// Connects to the agent's telemetry endpoint.
    /// - Parameters:
    ///   - context: a context to share; by default the worker makes its own and terminates it on ``close()``.
    ///   - curve: the agent's public key and this worker's pair, for an agent with CURVE on (its public key must
    ///     be in the agent's `workers/` allow-list).
    /// - Throws: ``ClientError`` (`socket`) when the socket cannot be made or the endpoint is invalid.
    public init(endpoint: String, workerID: String, key: ModelKey, context: Context? = nil,
                sendHighWaterMark: Int32 = 100_000, curve: CurveCredentials? = nil) throws(ClientError) {
        guard WireLimits.isValidName(workerID), key.isValid else {
            throw ClientError(.socket, "workerID, model and hardware must be 1...\(WireLimits.maximumStringBytes) bytes")
        }
        self.workerID = workerID
        self.key = key
        do throws(ZMQError) {
            if let context { self.context = context } else { self.context = try Context() }
            ownsContext = context == nil
            socket = try Socket(self.context, .pub)
            try socket.set(.sendHighWaterMark, sendHighWaterMark)
            monitor = try socket.monitorHandshakes(endpoint: "inproc://saturn-worker-\(ObjectIdentifier(socket).hashValue)")
            try curve?.apply(to: socket)
            try socket.connect(endpoint)
        } catch {
            throw .socket("cannot connect a worker to \(endpoint)", error)
        }
        message = Saturn_V1_StepTelemetry(
            workerID: workerID, key: key, batchSize: 0, tokens: 0, latencyMs: 0, sequence: 0, timestampNs: 0)
    }

    /// Waits until the connection to the agent is made, then `settle` for the subscription to arrive (what is
    /// published before that is lost: the PUB/SUB "slow joiner").
    /// - Returns: false when no connection was made within `timeout`.
    @discardableResult
    public func waitUntilConnected(timeout: Duration = .seconds(5), settle: Duration = .milliseconds(200))
        throws(ClientError) -> Bool
    {
        guard let m = monitor else { return true }
        do {
            guard try m.waitForInput(milliseconds: Int(timeout.inMilliseconds)) else { return false }
            _ = try m.receive(wait: false)
        } catch {
            throw .socket("monitoring the worker's connection failed", error)
        }
        m.close()
        monitor = nil
        Thread.sleep(forTimeInterval: settle.inSeconds)
        return true
    }

    /// Publishes one step and returns its sequence number (1, 2, ...). Never blocks.
    /// - Parameters:
    ///   - batchSize: B, requests in the step.
    ///   - tokens: S, tokens computed in the step.
    ///   - latencyMs: the step's wall time in ms.
    ///   - kvContextTokens: `K`, the KV-context tokens attention reads in the step, when known.
    ///   - prefillAttentionTokens: `Q`, the sum over the step's prefill chunks of chunk², when known.
    @discardableResult
    public func publish(batchSize: Int, tokens: Int, latencyMs: Double, kvContextTokens: UInt64? = nil,
                        prefillAttentionTokens: UInt64? = nil, timestampNs: Int64? = nil) throws(ClientError) -> UInt64 {
        sequence += 1
        message.batchSize = UInt32(clamping: batchSize)
        message.tokens = UInt64(clamping: tokens)
        message.latencyMs = latencyMs
        message.sequence = sequence
        message.timestampNs = timestampNs ?? Int64(Date().timeIntervalSince1970 * 1e9)
        if let kvContextTokens { message.kvContextTokens = kvContextTokens } else { message.clearKvContextTokens() }
        if let prefillAttentionTokens {
            message.prefillAttentionTokens = prefillAttentionTokens
        } else {
            message.clearPrefillAttentionTokens()
        }
        try publish(payload: message.wireBytes())
        return sequence
    }

    /// Publishes an already encoded `StepTelemetry` payload (benchmarks, tests of bad input). Never blocks.
    public func publish(payload: [UInt8]) throws(ClientError) {
        do {
            if !(try socket.send([Topic.step, payload], wait: false)) { dropped += 1 }
        } catch {
            throw .socket("publishing a step failed", error)
        }
    }

    /// Closes the socket (and the worker's own context). Idempotent.
    public func close() {
        monitor?.close()
        monitor = nil
        socket.close()
        if ownsContext { context.terminate() }
    }

    deinit {
        monitor?.close()
        socket.close()
    }
}
