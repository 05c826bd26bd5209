import SaturnModel
import SaturnNumerics
import Testing

struct RefitTests {
    @Test func subsampleDrawsOneRowPerStretchAndKeepsTheNewest() {
        let rows = (0..<1000).map { StepObservation(batchSize: Double($0 + 1), tokens: 1, latencyMs: 1) }
        let refit = Refit(rowLimit: 256)
        let sub = refit.subsample(rows[...])
        #expect(sub.count == 256 && sub.last == rows.last)
        // Oldest first, one row in each stretch [k n / 256, (k + 1) n / 256).
        for (k, row) in sub.enumerated() {
            let i = Int(row.batchSize) - 1
            #expect(i >= k * 1000 / 256 && i < (k + 1) * 1000 / 256, "row \(i) outside stretch \(k)")
        }
        #expect(refit.subsample(rows[...]) == sub, "deterministic")
        #expect(refit.subsample(rows[..<200]) == Array(rows[..<200]))
        // A slice keeps its own indices.
        #expect(refit.subsample(rows[800...]) == Array(rows[800...]))
        #expect(refit.subsample(rows[100...]).last == rows.last && refit.subsample(rows[100...]).count == 256)
    }

    /// A stream alternating two kinds of step (prefill, decode, prefill, ...) keeps both kinds in the subsample,
    /// where a stride of 2 would keep one kind only.
    @Test func subsampleDoesNotAliasWithAPeriodicStream() {
        let rows = (0..<180).map { StepObservation(batchSize: 1, tokens: $0 % 2 == 0 ? 512 : 1, latencyMs: 1) }
        let sub = Refit(rowLimit: 128).subsample(rows[...])
        let prefill = sub.filter { $0.tokens == 512 }.count
        #expect(prefill >= 32 && sub.count - prefill >= 32, "\(prefill) prefill rows of \(sub.count)")
    }

    /// On a 5,000-row window of a real table, before and after a switch to another GPU, the bounded refit's
    /// held-out error is within 2% of the offline fit on all training rows, and it beats the installed set after
    /// the switch.
    @Test func matchesTheOfflineFitOnRealWindows() throws {
        let h100 = try AdaptationFixtures.table()
        let a100 = try AdaptationFixtures.table("steps_splitwise_llama2-70b_a100-80gb_tp2.csv")
        var rng = SplitMix64(seed: 5)
        let stable = AdaptationFixtures.stream(from: h100, count: 5000, rng: &rng)
        let switched =
            AdaptationFixtures.stream(from: h100, count: 4000, rng: &rng)
            + AdaptationFixtures.stream(from: a100, count: 1000, rng: &rng)
        let installed = try LatencyFitter.fit(
            StepTable(observations: Array(stable[..<4900])), configuration: FitConfiguration(objective: .relative)
        ).parameters
        for (name, window) in [("stable", stable), ("switched", switched)] {
            let training = window[..<4900]
            let heldOut = window[4900...]
            let bounded = try Refit().fit(training: training, warmStarts: [installed])
            let offline = try LatencyFitter.fit(
                StepTable(observations: Array(training)), configuration: FitConfiguration(objective: .relative))
            let b = Validation.heldOutLoss(bounded.parameters, on: heldOut, residual: .relative)
            let o = Validation.heldOutLoss(offline.parameters, on: heldOut, residual: .relative)
            let i = Validation.heldOutLoss(installed, on: heldOut, residual: .relative)
            print("refit on the \(name) window: held-out loss bounded \(b), offline \(o), installed \(i)")
            #expect(bounded.parameters.isWithin(.physical))
            #expect(b <= o * 1.02, "\(name)")
            if name == "switched" { #expect(b < i) }
        }
    }

    @Test func warmStartsAreSolvedFrom() throws {
        var rng = SplitMix64(seed: 9)
        let truth = AdaptationFixtures.prior("h100-80gb-tp4")
        let rows = AdaptationFixtures.synthetic(truth, count: 300, rng: &rng)
        let table = StepTable(observations: rows)
        // No grid: the design's start and the warm start.
        var configuration = FitConfiguration(objective: .relative, gridStarts: 0, warmStarts: [truth])
        let report = try LatencyFitter.fit(table, configuration: configuration)
        #expect(report.startCount == 2)
        configuration.warmStarts = []
        let cold = try LatencyFitter.fit(table, configuration: configuration)
        #expect(cold.startCount == 1)
        #expect(report.objectiveValue <= cold.objectiveValue * (1 + 1e-9))
    }
}
