import Foundation
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnNumerics
import SaturnTestKit
import SaturnWire
import Testing

/// A worker and a router on one agent (the adaptation and family tests' view of it): publishes steps drawn from a
/// table, with their `K` and `Q`, waits for the agent to record them and to decide on updates, and reads the key's
/// health and predictions.
final class StepFeed {
    let worker: Worker
    let router: Router
    let key: ModelKey
    var rng: SplitMix64
    private(set) var published: UInt64 = 0

    init(_ e: BoundEndpoints, key: ModelKey, workerID: String, seed: UInt64) throws {
        self.key = key
        worker = try Worker(endpoint: e.telemetry, workerID: workerID, key: key)
        router = try Router(endpoint: e.query, timeout: .seconds(5))
        rng = SplitMix64(seed: seed)
    }

    /// Readiness of the worker's PUB: probe steps with B = 0 (dropped as non_positive before any key state is
    /// touched) until the agent has counted one.
    func connect() throws -> Bool {
        guard try worker.waitUntilConnected(settle: .zero) else { return false }
        let before = try router.health().drops["telemetry.non_positive"] ?? 0
        return try eventually(.seconds(10)) {
            try worker.publish(batchSize: 0, tokens: 1, latencyMs: 1)
            return try router.health().drops["telemetry.non_positive"] ?? 0 > before
        }
    }

    func close() {
        worker.close()
        router.close()
    }

    /// One standard normal draw (Box-Muller).
    func gaussian() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        let v = Double.random(in: 0..<1, using: &rng)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// Publishes `count` steps drawn with replacement from `rows` (each with its `K` and `Q` when it has them),
    /// latencies times (1 + noise·N(0, 1)), then the steps `stalls` stalled (4 times their latency), and returns
    /// once the agent has recorded all of them.
    func publish(_ count: Int, of rows: [StepObservation], noise: Double = 0, stalls: [StepObservation] = [])
        throws -> Bool
    {
        for _ in 0..<count {
            let r = rows[Int(rng.next() % UInt64(rows.count))]
            try publish(r, latencyMs: r.latencyMs * max(0.5, 1 + noise * gaussian()))
        }
        for r in stalls { try publish(r, latencyMs: r.latencyMs * 4) }
        published += UInt64(count + stalls.count)
        return try eventually { try health()?.observations == published }
    }

    private func publish(_ r: StepObservation, latencyMs: Double) throws {
        try worker.publish(
            batchSize: Int(r.batchSize), tokens: Int(r.tokens), latencyMs: latencyMs,
            kvContextTokens: r.kvTokens > 0 ? UInt64(r.kvTokens) : nil,
            prefillAttentionTokens: r.prefillAttentionTokens > 0 ? UInt64(r.prefillAttentionTokens) : nil)
    }

    func health() throws -> HealthReport.Key? { try router.health().keys.first { $0.key == key } }

    /// Update candidates the agent has decided on for the key (accepted and rejected; not capped at 100).
    func updates() throws -> UInt64 { try health().map { $0.fitsAccepted + $0.fitsRejected } ?? 0 }

    /// Publishes one chunk and waits until the agent has decided on at least one more candidate.
    func publishChunk(_ count: Int, of rows: [StepObservation], noise: Double) throws -> Bool {
        let before = try updates()
        guard try publish(count, of: rows, noise: noise) else { return false }
        return try eventually(.seconds(60)) { try updates() > before }
    }

    /// Mean relative error of the agent's predictions on `rows`, given each step's `K` and `Q` (0 included: a base
    /// set ignores them).
    func meanRelativeError(on rows: [StepObservation]) throws -> Double {
        var sum = 0.0
        for r in rows {
            let p = try router.predict(
                key, batchSize: r.batchSize, tokens: r.tokens, kvTokens: r.kvTokens,
                prefillAttentionTokens: r.prefillAttentionTokens)
            sum += abs(p.latencyMs - r.latencyMs) / r.latencyMs
        }
        return sum / Double(rows.count)
    }
}
