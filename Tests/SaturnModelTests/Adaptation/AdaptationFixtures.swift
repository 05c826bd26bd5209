import Foundation
import SaturnModel
import SaturnNumerics
import SaturnTestKit

/// Shared inputs of the adaptation tests: real step tables and seeded streams made from them.
enum AdaptationFixtures {
    /// The real table most tests stream from.
    static let tableName = "steps_splitwise_llama2-70b_h100-80gb_tp4.csv"

    /// A real step table's rows, filtered as the fit filters them (0.1 < T < 500 ms).
    static func table(_ name: String = tableName) throws -> [StepObservation] {
        let table = try StepCSV.parse(String(contentsOf: Repository.dataFile(name), encoding: .utf8))
        return RowFilter().apply(to: table).kept.observations
    }

    /// The shipped prior fitted on `hardware`'s table (llama2-70b).
    static func prior(_ hardware: String) -> LatencyParameters {
        ShippedPriors.all.first { $0.hardware == hardware }!.parameters
    }

    /// A standard normal variate (Box-Muller).
    static func gaussian(_ rng: inout SplitMix64) -> Double {
        let u1 = Swift.max(rng.nextUniform(), 1e-300)
        let u2 = rng.nextUniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// `count` rows drawn uniformly with replacement from `rows`, each latency multiplied by `1 + noise·z`,
    /// `z ~ N(0, 1)` (a stable stream).
    static func stream(
        from rows: [StepObservation], count: Int, noise: Double = 0.02, scale: Double = 1,
        rng: inout SplitMix64
    ) -> [StepObservation] {
        (0..<count).map { _ in
            var row = rows[Int(rng.next() % UInt64(rows.count))]
            row.latencyMs *= scale * Swift.max(0.5, 1 + noise * gaussian(&rng))
            return row
        }
    }

    /// Synthetic rows from a known set: B in 1...64, S mixing decode (S = B) and prefill (S up to 4096) steps,
    /// latencies with multiplicative noise.
    static func synthetic(
        _ p: LatencyParameters, count: Int, noise: Double = 0.02, rng: inout SplitMix64
    ) -> [StepObservation] {
        (0..<count).map { _ in
            let b = Double(1 + rng.next() % 64)
            let s = rng.nextUniform() < 0.8 ? b : b + Double(rng.next() % 4096)
            let t = p.latency(batchSize: b, tokens: s) * Swift.max(0.5, 1 + noise * gaussian(&rng))
            return StepObservation(batchSize: b, tokens: s, latencyMs: t)
        }
    }
}
