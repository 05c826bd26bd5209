import SaturnModel
import SaturnNumerics
import Testing

/// Update cost (DESIGN §5 "update cost"), both paths. Prints timings and never asserts them: run it on a release build,
/// `swift build -c release --build-tests -Xswiftc -enable-testing` then
/// `swift test -c release --skip-build --filter AdaptationBenchmarkTests`.
struct AdaptationBenchmarkTests {
    static func percentile(_ sorted: [Duration], _ q: Double) -> Duration {
        sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded(.up)))]
    }

    static func describe(_ label: String, _ samples: [Duration]) {
        let sorted = samples.sorted()
        let total = samples.reduce(Duration.zero, +)
        print(
            "\(label): n \(samples.count), mean \(total / samples.count), p50 \(percentile(sorted, 0.5)),",
            "p99 \(percentile(sorted, 0.99)), max \(sorted.last!)")
    }

    @Test func updateCostOnAFiveThousandRowWindow() throws {
        var rng = SplitMix64(seed: 21)
        let table = try AdaptationFixtures.table()
        var window = AdaptationFixtures.stream(from: table, count: 5000, rng: &rng)
        let update = OnlineUpdate()
        var state = update.initialState(for: LatencyParameters.self)
        var current = AdaptationFixtures.prior("h100-80gb-tp8")
        let clock = ContinuousClock()
        var samples: [Duration] = []
        var accepted = 0
        for k in 0..<300 {
            let elapsed = clock.measure {
                let r = update.run(current: current, base: current, window: window, state: state)
                state = r.state
                if r.isAccepted {
                    current = r.candidate
                    accepted += 1
                }
            }
            if k >= 10 { samples.append(elapsed) }  // warm-up excluded
            window.removeFirst(100)
            window += AdaptationFixtures.stream(from: table, count: 100, rng: &rng)
        }
        Self.describe("OnlineUpdate.run, 5,000 rows, \(update.steps) steps (\(accepted) accepted)", samples)

        var sink = 0.0
        // The refit path as the agent runs it: the bounded fit warm-started from the installed set, then
        // validation on the newest 100 rows; on the stable window, on a window whose last 1,000 rows come from
        // another GPU (whole window), and on the rows after that change.
        let a100 = try AdaptationFixtures.table("steps_splitwise_llama2-70b_a100-80gb_tp2.csv")
        let switched = Array(window[1000...]) + AdaptationFixtures.stream(from: a100, count: 1000, rng: &rng)
        for (label, rows) in [
            ("stable window", window[...]), ("switched window", switched[...]), ("after the change", switched[4000...]),
        ] {
            var refits: [Duration] = []
            for k in 0..<110 {
                let elapsed = clock.measure {
                    let training = rows[..<(rows.endIndex - 100)]
                    let heldOut = rows[(rows.endIndex - 100)...]
                    if let report = try? Refit().fit(training: training, warmStarts: [current]) {
                        let v = Validation.compare(candidate: report.parameters, current: current, heldOut: heldOut)
                        sink += v.candidateLoss
                    }
                }
                if k >= 10 { refits.append(elapsed) }
            }
            Self.describe("Refit + validation, \(label) (\(rows.count) rows)", refits)
        }

        let objective = OnlineObjective()
        var passes: [Duration] = []
        for _ in 0..<200 {
            passes.append(clock.measure { sink += objective.evaluate(current, on: window).dataLoss })
        }
        Self.describe(
            "one objective pass (value + gradient, \(objective.evaluate(current, on: window).rowsRead) rows read)",
            passes)

        let residuals = DriftDetector.residuals(of: current, on: window)
        let errors = residuals.map(abs)
        var drift: [Duration] = []
        var degradation: [Duration] = []
        for _ in 0..<20 {
            drift.append(try clock.measure { sink += try DriftDetector().test(residuals: residuals)!.pValue })
            degradation.append(
                try clock.measure { sink += try DegradationDetector().test(relativeErrors: errors)!.pValue })
        }
        Self.describe("DriftDetector.test, 1,000 vs 4,000", drift)
        Self.describe("DegradationDetector.test, 1,000 vs 4,000", degradation)
        #expect(sink.isFinite)
    }
}
