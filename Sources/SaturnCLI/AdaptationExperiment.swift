import Foundation
import Logging
import SaturnAgent
import SaturnClient
import SaturnModel
import SaturnNumerics
import SaturnWire

/// One seeded trial of `saturn experiment adapt`, through the real agent code path: a fresh agent on loopback, a
/// worker publishing every step over the telemetry socket, and a router asking the agent to predict each step
/// before it is published (as a router does before admitting work).
///
/// The stream: `stable` steps drawn from table A (its own rows resampled uniformly, latency times
/// `1 + noise·N(0,1)`), then `switched` steps drawn from table B the same way. The key is new to the agent.
struct AdaptationExperiment {
    /// What one trial measured.
    struct Trial {
        /// Relative error of every prediction, in stream order.
        var errors: [Double]
        /// Accepted sets during the stable stretch's second half (for the stability figure).
        var stableSets: [LatencyParameters]
        /// Update records of the trial (every candidate).
        var records: [UpdateRecord]
    }

    let from: [StepObservation]
    let to: [StepObservation]
    let stable: Int
    let switched: Int
    let noise: Double
    let rate: Double
    let paths: AgentConfiguration.AdaptationPaths
    static let key = ModelKey(model: "experiment-70b", hardware: "experiment-gpu")

    /// Draws the stream of one trial.
    func stream(seed: UInt64) -> [StepObservation] {
        var rng = SplitMix64(seed: seed)
        func draw(_ rows: [StepObservation]) -> StepObservation {
            var o = rows[Int(rng.next() % UInt64(rows.count))]
            o.latencyMs *= max(0.5, 1 + noise * rng.nextNormal())
            return o
        }
        return (0..<stable).map { _ in draw(from) } + (0..<switched).map { _ in draw(to) }
    }

    /// Runs one trial against a fresh agent.
    func run(seed: UInt64) async throws -> Trial {
        var configuration = AgentConfiguration.ephemeralLoopback(nodeID: "experiment-\(seed)")
        configuration.adaptationPaths = paths
        // The stream is replayed faster than real time: quiet-time updates would only add noise to the count.
        configuration.idleFitInterval = .seconds(3600)
        configuration.minimumFitInterval = .zero
        let agent = try Agent(
            configuration: configuration, logger: Logger(label: "experiment", factory: { _ in SwiftLogNoOpLogHandler() }))
        let steps = stream(seed: seed)
        return try await agent.withRunning { endpoints in try replay(steps, endpoints: endpoints) }
    }

    private func replay(_ steps: [StepObservation], endpoints: BoundEndpoints) throws -> Trial {
        let worker = try Worker(endpoint: endpoints.telemetry, workerID: "experiment-worker", key: Self.key)
        defer { worker.close() }
        guard try worker.waitUntilConnected() else { throw CLIError("the experiment's worker could not connect") }
        let router = try Router(endpoint: endpoints.query, timeout: .seconds(5))
        defer { router.close() }
        var errors: [Double] = []
        errors.reserveCapacity(steps.count)
        var stableSets: [LatencyParameters] = []
        var lastVersion: UInt64 = 0
        let begin = ContinuousClock.now
        for (i, step) in steps.enumerated() {
            let p = try router.predict(Self.key, batchSize: step.batchSize, tokens: step.tokens)
            errors.append(abs(p.latencyMs - step.latencyMs) / step.latencyMs)
            if i >= stable / 2 && i < stable && p.version != lastVersion && p.source == .localFit {
                stableSets.append(p.parameters)
            }
            lastVersion = p.version
            try worker.publish(batchSize: Int(step.batchSize), tokens: Int(step.tokens), latencyMs: step.latencyMs)
            let due = Double(i + 1) / rate
            let elapsed = (ContinuousClock.now - begin).inSeconds
            if due > elapsed { Thread.sleep(forTimeInterval: due - elapsed) }
        }
        return Trial(errors: errors, stableSets: stableSets, records: try router.updateHistory(Self.key))
    }
}

/// The figures of several trials of one configuration, as `saturn experiment adapt` prints them.
struct AdaptationFigures: Encodable {
    var recoveryObservationsMean: Double
    var recoveryObservationsStd: Double
    /// Trials whose rolling error never came back under the threshold (their recovery counted as the whole
    /// post-switch stretch).
    var trialsNotRecovered: Int
    var adaptivePostSwitchMape: Double
    var preSwitchMape: Double
    var coldStartMapeFirst100: Double
    var updateMsMean: Double
    var updateMsP99: Double
    /// CPU time of the adaptation thread per update (the wall figures above include waits for a core).
    var updateCpuMsMean: Double
    var updateCpuMsP99: Double
    var updatesAccepted: Int
    var updatesRejected: Int
    /// Mean over the identifiable parameters of var/mean² across the sets accepted in the stable stretch's
    /// second half.
    var parameterVarianceStable: Double

    enum CodingKeys: String, CodingKey {
        case recoveryObservationsMean = "recovery_observations_mean"
        case recoveryObservationsStd = "recovery_observations_std"
        case trialsNotRecovered = "trials_not_recovered"
        case adaptivePostSwitchMape = "adaptive_post_switch_mape"
        case preSwitchMape = "pre_switch_mape"
        case coldStartMapeFirst100 = "cold_start_mape_first_100"
        case updateMsMean = "update_ms_mean"
        case updateMsP99 = "update_ms_p99"
        case updateCpuMsMean = "update_cpu_ms_mean"
        case updateCpuMsP99 = "update_cpu_ms_p99"
        case updatesAccepted = "updates_accepted"
        case updatesRejected = "updates_rejected"
        case parameterVarianceStable = "parameter_variance_stable"
    }

    /// Rolling window of the recovery criterion, and its threshold.
    static let rollingWindow = 50
    static let recoveryThreshold = 0.10

    init(_ trials: [AdaptationExperiment.Trial], stable: Int) {
        func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }
        var recoveries: [Double] = []
        var notRecovered = 0
        for t in trials {
            let post = Array(t.errors[stable...])
            var recovered: Int? = nil
            var sum = 0.0
            for (i, e) in post.enumerated() {
                sum += e
                if i >= Self.rollingWindow { sum -= post[i - Self.rollingWindow] }
                if i + 1 >= Self.rollingWindow, sum / Double(Self.rollingWindow) < Self.recoveryThreshold {
                    recovered = i + 1
                    break
                }
            }
            if recovered == nil { notRecovered += 1 }
            recoveries.append(Double(recovered ?? post.count))
        }
        let m = mean(recoveries)
        recoveryObservationsMean = m
        recoveryObservationsStd = (recoveries.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(1, recoveries.count - 1))).squareRoot()
        trialsNotRecovered = notRecovered
        adaptivePostSwitchMape = mean(trials.flatMap { $0.errors[stable...] })
        preSwitchMape = mean(trials.flatMap { $0.errors[(stable / 2)..<stable] })
        coldStartMapeFirst100 = mean(trials.flatMap { $0.errors.prefix(100) })
        func p99(_ sorted: [Double]) -> Double {
            sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        }
        let durations = trials.flatMap { $0.records.map(\.durationMs) }.sorted()
        updateMsMean = mean(durations)
        updateMsP99 = p99(durations)
        let cpu = trials.flatMap { $0.records.map(\.cpuMs) }.sorted()
        updateCpuMsMean = mean(cpu)
        updateCpuMsP99 = p99(cpu)
        updatesAccepted = trials.reduce(0) { $0 + $1.records.filter(\.accepted).count }
        updatesRejected = trials.reduce(0) { $0 + $1.records.filter { !$0.accepted }.count }
        var variances: [Double] = []
        for t in trials where t.stableSets.count >= 2 {
            let identifiable = t.stableSets.map { p in [p.kB, p.kS, p.w0 / p.pMax, p.w1 / p.pMax, p.tau0, p.tauB, p.tauS] }
            for j in 0..<7 {
                let column = identifiable.map { $0[j] }
                let mu = mean(column)
                guard mu != 0 else { continue }
                variances.append(mean(column.map { ($0 - mu) * ($0 - mu) }) / (mu * mu))
            }
        }
        parameterVarianceStable = variances.isEmpty ? 0 : mean(variances)
    }
}

extension SplitMix64 {
    /// A standard normal draw (Box-Muller).
    mutating func nextNormal() -> Double {
        let u1 = (Double(next() >> 11) + 0.5) / Double(1 << 53)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}
