import Foundation
import SaturnModel
import SaturnNumerics

/// A small continuous-batching engine (vLLM-like) for the demo: requests arrive as in a real trace, each step
/// runs every decoding request for one token plus chunked prefills up to a token budget, and the step takes the
/// "true" model's latency with multiplicative Gaussian noise.
struct EngineSimulator {
    struct Request {
        var prefillLeft: Int
        var decodeLeft: Int
    }

    let truth: LatencyParameters
    let noise: Double
    let trace: [(arrival: Double, input: Int, output: Int)]
    /// Trace time runs this many times faster than real time (to load one simulated engine).
    let speedup: Double
    var rng: SplitMix64
    var clock = 0.0
    var nextRequest = 0
    var traceOffset = 0.0
    var waiting: [Request] = []
    var running: [Request] = []
    let maximumBatch = 128
    let prefillBudget = 2048

    init(truth: LatencyParameters, noise: Double, trace: [(arrival: Double, input: Int, output: Int)], speedup: Double,
         seed: UInt64) {
        self.truth = truth
        self.noise = noise
        self.trace = trace
        self.speedup = speedup
        rng = SplitMix64(seed: seed)
        // Workers start at different points of the trace.
        nextRequest = Int(seed % UInt64(trace.count))
        traceOffset = -trace[nextRequest].arrival / speedup
    }

    /// One standard normal deviate (Box-Muller).
    mutating func gaussian() -> Double {
        let u1 = max(rng.nextUniform(), 1e-300)
        let u2 = rng.nextUniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    private func arrivalTime(_ i: Int) -> Double { trace[i].arrival / speedup + traceOffset }

    /// Runs one step: `(B, S, T_ms)` with the "true" latency of the step.
    mutating func step() -> (batchSize: Int, tokens: Int, latencyMs: Double) {
        while true {
            while arrivalTime(nextRequest) <= clock {
                let r = trace[nextRequest]
                waiting.append(Request(prefillLeft: r.input, decodeLeft: r.output))
                nextRequest += 1
                if nextRequest == trace.count {  // loop the trace
                    traceOffset += trace[trace.count - 1].arrival / speedup + 1
                    nextRequest = 0
                }
            }
            if !running.isEmpty || !waiting.isEmpty { break }
            clock = arrivalTime(nextRequest)
        }
        while running.count < maximumBatch, !waiting.isEmpty { running.append(waiting.removeFirst()) }
        var tokens = 0
        var budget = prefillBudget
        for i in running.indices {
            if running[i].prefillLeft > 0 {
                let chunk = min(running[i].prefillLeft, budget)
                running[i].prefillLeft -= chunk
                budget -= chunk
                tokens += chunk
            } else {
                running[i].decodeLeft -= 1
                tokens += 1
            }
        }
        let b = max(1, running.count)
        let s = max(1, tokens)
        let t = truth.latency(batchSize: Double(b), tokens: Double(s)) * max(0.5, 1 + noise * gaussian())
        running.removeAll { $0.prefillLeft == 0 && $0.decodeLeft <= 0 }
        clock += t / 1000
        return (b, s, t)
    }
}
