import Foundation
import SaturnModel
import SaturnNumerics

/// `saturn bench --families`: what each member of the model family (``ModelFamily``: base, kv, kvq) costs to fit
/// and to predict with, on one step table.
///
/// - Fit: ``LatencyFitter/fit(_:configuration:)`` on the same rows with the same configuration apart from
///   ``FitConfiguration/family``; one untimed fit per family first, then `repeats` rounds of one timed fit per
///   family, the order rotated each round so that neither drift nor the machine's noise favours one family. Wall
///   time, median and p90 (``Descriptive/quantile(_:_:)``, linear interpolation).
/// - Prediction: four arms over the same batch of rows (the filtered table's `B`, `S`, `K`, `Q`, cycled to
///   ``batchLength`` rows): the base model's ``LatencyParameters/latency(batchSize:tokens:)`` (the reference, what
///   the agent calls), and ``FamilyParameters/latency(batchSize:tokens:kvTokens:prefillAttentionTokens:)`` with the
///   fitted parameters of each family. Each round runs every arm once (order rotated); ns per call is the arm's
///   time over its calls, and the median over the rounds is reported with its ratio to the reference. Every
///   prediction is added into a per-arm sum that is printed, so no loop can be removed as dead code; the two base
///   arms must give the same sum (a ``FamilyParameters`` without terms adds `0 · K + 0 · Q`).
struct FamilyBenchmark {
    /// Rows in the prediction batch: the table's filtered rows, cycled (4,096 rows × 4 columns = 128 KiB).
    static let batchLength = 4096

    /// The timed fits of one family.
    struct FitTiming {
        var family: ModelFamily
        /// Wall time of each timed fit, in seconds, in round order.
        var seconds: [Double]
        /// The untimed first fit (every timed fit gives the same result).
        var report: FitReport

        var median: Double { Descriptive.median(seconds) }
        var p90: Double { Descriptive.quantile(seconds, 0.9) }
    }

    /// One prediction arm.
    struct PredictionArm {
        /// The family whose fitted parameters the arm predicts with.
        var family: ModelFamily
        /// True for the reference arm (``LatencyParameters/latency(batchSize:tokens:)``), false for a
        /// ``FamilyParameters/latency(batchSize:tokens:kvTokens:prefillAttentionTokens:)`` arm.
        var isReference: Bool

        /// `LatencyParameters(base)` for the reference, `FamilyParameters(<family>)` for the others.
        var label: String { isReference ? "LatencyParameters(base)" : "FamilyParameters(\(family.rawValue))" }
        /// ns per call, one value per round.
        var nanosecondsPerCall: [Double]
        /// The sum of every prediction of every round.
        var checksum: Double

        var median: Double { Descriptive.median(nanosecondsPerCall) }
    }

    /// The B, S, K, Q columns of the prediction batch.
    struct Batch {
        var batchSizes: [Double]
        var tokens: [Double]
        var kvTokens: [Double]
        var prefillAttentionTokens: [Double]

        /// `table`'s rows cycled to `length` rows.
        init(_ table: StepTable, length: Int) {
            precondition(table.count > 0)
            let k = table.kvContextTokens
            let q = table.prefillAttentionTokens
            let rows = (0..<length).map { $0 % table.count }
            batchSizes = rows.map { table.batchSizes[$0] }
            tokens = rows.map { table.tokens[$0] }
            kvTokens = rows.map { k[$0] }
            prefillAttentionTokens = rows.map { q[$0] }
        }
    }

    /// Where the rows came from (file and conditions), for the report.
    var source: String
    /// Rows the filter kept (the fits' input before the gate, and the prediction batch's source).
    var filteredRows: Int
    var configuration: FitConfiguration
    var repeats: Int
    /// Calls per arm and round (whole passes over the batch).
    var callsPerRound: Int
    /// Fit timings in ``ModelFamily/allCases`` order.
    var fits: [FitTiming]
    /// The reference arm first, then one arm per family in ``ModelFamily/allCases`` order.
    var arms: [PredictionArm]

    /// Runs the measurement.
    /// - Parameters:
    ///   - table: the step table (before the row filter of `configuration`).
    ///   - source: a description of where `table` came from.
    ///   - configuration: the fit's configuration; its family is replaced by each member in turn.
    ///   - repeats: timed rounds (≥ 1).
    ///   - predictionCalls: at least this many calls per arm and round (rounded up to whole passes over the batch).
    /// - Throws: ``CLIError`` when no row passes the filter or a fit fails.
    static func measure(
        table: StepTable, source: String, configuration: FitConfiguration, repeats: Int, predictionCalls: Int
    ) throws -> FamilyBenchmark {
        precondition(repeats >= 1 && predictionCalls >= 1)
        let filtered = configuration.filter.apply(to: table).kept
        guard filtered.count > 0 else { throw CLIError("\(source): no row passes the filter") }
        let families = ModelFamily.allCases
        let clock = ContinuousClock()

        func fit(_ family: ModelFamily) throws -> FitReport {
            var c = configuration
            c.family = family
            do {
                return try LatencyFitter.fit(table, configuration: c)
            } catch {
                throw CLIError("\(source): the \(family.rawValue) fit failed: \(error.description)")
            }
        }
        var fits = try families.map { FitTiming(family: $0, seconds: [], report: try fit($0)) }
        for round in 0..<repeats {
            for j in 0..<families.count {
                let f = (round + j) % families.count
                let start = clock.now
                _ = try fit(families[f])
                fits[f].seconds.append((clock.now - start).inSeconds)
            }
        }

        let batch = Batch(filtered, length: batchLength)
        let passes = (predictionCalls + batchLength - 1) / batchLength
        let calls = passes * batchLength
        let reference = fits[0].report.model.base
        var arms = [PredictionArm(family: .base, isReference: true, nanosecondsPerCall: [], checksum: 0)]
        arms += families.map { PredictionArm(family: $0, isReference: false, nanosecondsPerCall: [], checksum: 0) }
        let models = fits.map(\.report.model)
        // One untimed pass per arm, then the rounds.
        for round in -1..<repeats {
            for j in 0..<arms.count {
                let a = (max(round, 0) + j) % arms.count
                let start = clock.now
                let sum =
                    a == 0
                    ? baseSum(reference, batch, passes: round < 0 ? 1 : passes)
                    : familySum(models[a - 1], batch, passes: round < 0 ? 1 : passes)
                let elapsed = (clock.now - start).inSeconds
                if round >= 0 {
                    arms[a].nanosecondsPerCall.append(elapsed / Double(calls) * 1e9)
                    arms[a].checksum += sum
                }
            }
        }
        return FamilyBenchmark(
            source: source, filteredRows: filtered.count, configuration: configuration, repeats: repeats,
            callsPerRound: calls, fits: fits, arms: arms)
    }

    /// The sum of `p.latency(batchSize:tokens:)` over `passes` passes of `batch` (not inlined into the caller, so
    /// each arm is its own loop).
    @inline(never)
    static func baseSum(_ p: LatencyParameters, _ batch: Batch, passes: Int) -> Double {
        var sum = 0.0
        batch.batchSizes.withUnsafeBufferPointer { b in
            batch.tokens.withUnsafeBufferPointer { s in
                for _ in 0..<passes {
                    for i in 0..<b.count { sum += p.latency(batchSize: b[i], tokens: s[i]) }
                }
            }
        }
        return sum
    }

    /// The sum of `p.latency(batchSize:tokens:kvTokens:prefillAttentionTokens:)` over `passes` passes of `batch`.
    @inline(never)
    static func familySum(_ p: FamilyParameters, _ batch: Batch, passes: Int) -> Double {
        var sum = 0.0
        batch.batchSizes.withUnsafeBufferPointer { b in
            batch.tokens.withUnsafeBufferPointer { s in
                batch.kvTokens.withUnsafeBufferPointer { k in
                    batch.prefillAttentionTokens.withUnsafeBufferPointer { q in
                        for _ in 0..<passes {
                            for i in 0..<b.count {
                                sum += p.latency(
                                    batchSize: b[i], tokens: s[i], kvTokens: k[i], prefillAttentionTokens: q[i])
                            }
                        }
                    }
                }
            }
        }
        return sum
    }

    /// The richest family's prediction cost over the reference's (issue 11's target: at most 2).
    var richestPredictionRatio: Double { arms[arms.count - 1].median / arms[0].median }

    /// The report as text.
    var text: String {
        let gate = configuration.rejection.map { "robust gate z=\(Format.number($0.threshold))" } ?? "no robust gate"
        let window = "\(Format.number(configuration.filter.minimumLatency)) < T_ms < "
            + Format.number(configuration.filter.maximumLatency)
        var lines = [
            "families: \(source): \(filteredRows) rows pass the filter (\(window)); "
                + "\(configuration.objective.name) loss, \(gate); \(repeats) rounds, families interleaved",
            "",
            "fit (wall)  median ms    p90 ms  median/base  parameters  rows used  rejected  evaluations  starts",
        ]
        let baseFit = fits[0].median
        for f in fits {
            let cells = [
                (Format.fixed(f.median * 1000, 3), 11), (Format.fixed(f.p90 * 1000, 3), 10),
                (Format.fixed(f.median / baseFit, 2), 13), ("\(f.family.parameterCount)", 12),
                ("\(f.report.rowsUsed)", 11), ("\(f.report.rejected.count)", 10),
                ("\(f.report.evaluationCount)", 13), ("\(f.report.startCount)", 8),
            ]
            lines.append(
                f.family.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + cells.map { $0.0.leftPadded(to: $0.1) }.joined())
        }
        lines.append("")
        lines.append(
            "prediction: \(callsPerRound) calls per arm and round over a \(Self.batchLength)-row batch cycled from "
                + "the filtered rows; median of \(repeats) rounds, arms interleaved")
        lines.append(
            "  (LatencyParameters.latency(batchSize:tokens:) with the base fit's parameters; "
                + "FamilyParameters.latency(batchSize:tokens:kvTokens:prefillAttentionTokens:) with each family's)")
        lines.append("arm                          ns/call   /base")
        let reference = arms[0].median
        for arm in arms {
            lines.append(
                arm.label.padding(toLength: 25, withPad: " ", startingAt: 0)
                    + Format.fixed(arm.median, 2).leftPadded(to: 12)
                    + Format.fixed(arm.median / reference, 2).leftPadded(to: 8))
        }
        let richest = arms[arms.count - 1]
        lines.append(
            "richest (\(richest.family.rawValue)) / base prediction: \(Format.fixed(richestPredictionRatio, 2)) "
                + "(issue 11: within 2x)")
        lines.append(
            "checksums (sum of every prediction; keeps the loops): "
                + arms.map { "\($0.label) \(Format.number($0.checksum, digits: 12))" }.joined(separator: ", ")
                + (arms[0].checksum == arms[1].checksum ? "; base arms agree" : "; BASE ARMS DIFFER"))
        let fitRuns = fits.map { f in
            f.family.rawValue + " " + f.seconds.map { Format.fixed($0 * 1000, 2) }.joined(separator: " ")
        }
        let predictRuns = arms.map { a in
            a.label + " " + a.nanosecondsPerCall.map { Format.fixed($0, 1) }.joined(separator: " ")
        }
        lines.append("runs: fit ms " + fitRuns.joined(separator: "; ") + "; predict ns " + predictRuns.joined(separator: "; "))
        return lines.joined(separator: "\n")
    }
}
