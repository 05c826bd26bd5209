import SaturnModel
import SaturnTestKit
import Testing

/// `baselines.json` and `cv.json`.
struct BaselineTests {
    /// The case's rows: inline (`data`), or a fit case's rows after the filter (`data_ref`).
    private func rows(_ c: GoldenCase, fitCases: [String: GoldenCase]) throws -> StepTable {
        guard !c.isNull("data_ref") else { return try c.table() }
        let id = try #require(try c.object("data_ref").string("case_id"), "\(c.id): data_ref without case_id")
        let source = try #require(fitCases[id], "\(c.id) refers to an unknown fit case \(id)")
        return RowFilter().apply(to: try source.table()).kept
    }

    private func fitCases() throws -> [String: GoldenCase] {
        let cases = try Golden("fit_cases").cases()
        #expect(cases.count == 8)
        return Dictionary(uniqueKeysWithValues: cases.map { ($0.id, $0) })
    }

    @Test func baselinesMatchExactLeastSquares() throws {
        let golden = try Golden("baselines")
        let fitCases = try fitCases()
        let probeB = try #require(golden.root["probe_B"] as? [Double])
        let probeS = try #require(golden.root["probe_S"] as? [Double])
        #expect(!probeB.isEmpty && !probeS.isEmpty)
        let cases = try golden.cases()
        #expect(cases.count == 12)
        for c in cases {
            let table = try rows(c, fitCases: fitCases)
            for (kind, key) in [(Baseline.Kind.linear, "linear"), (.polynomial, "poly")] {
                let expected = try c.object(key)
                let model = try Baseline(kind, fittedTo: table)
                let m = QualityMetrics(predictions: model.fittedValues, observations: table.latencies)
                let sse = expected.double("sse")!
                // An exact fit has SSE at the rounding level: compare absolutely against the data's scale.
                let sseFloor = 1e-20 * table.latencies.map { $0 * $0 }.reduce(0, +)
                #expect(isClose(m.sumOfSquaredResiduals, sse, rel: 1e-9, abs: sseFloor), "\(c.id) \(key) sse")
                if sse > sseFloor {
                    #expect(isClose(m.r2, expected.double("r2")!, rel: 1e-9), "\(c.id) \(key) r2")
                    #expect(isClose(m.rmse, expected.double("rmse")!, rel: 1e-9), "\(c.id) \(key) rmse")
                    #expect(isClose(m.mae, expected.double("mae")!, rel: 1e-9), "\(c.id) \(key) mae")
                }
                if expected.isNull("coef") {
                    #expect(model.coefficients == nil, "\(c.id) \(key) rank deficient")
                    continue
                }
                let coef = try expected.doubles("coef")
                let coefficients = try #require(model.coefficients, "\(c.id) \(key): no coefficients")
                try #require(!coef.isEmpty && coefficients.count == coef.count, "\(c.id) \(key) coefficient count")
                let tol = kind == .linear ? 1e-9 : 1e-6
                let scale = coef.map(abs).max()!
                for k in coef.indices {
                    #expect(isClose(coefficients[k], coef[k], rel: tol, abs: 1e-13 * scale), "\(c.id) \(key) coef \(k)")
                }
                let probes = try expected.matrix("probe_predictions")
                try #require(probes.count == probeB.count && probes.allSatisfy { $0.count == probeS.count }, "\(c.id)")
                for (i, b) in probeB.enumerated() {
                    for (j, s) in probeS.enumerated() {
                        #expect(isClose(model.predictedLatency(batchSize: b, tokens: s), probes[i][j], rel: 1e-9,
                                        abs: 1e-9 * scale), "\(c.id) \(key) probe \(b),\(s)")
                    }
                }
            }
        }
    }

    @Test func expandingWindowCrossValidationMatches() throws {
        let golden = try Golden("cv")
        let fitCases = try fitCases()
        let cases = try golden.cases()
        #expect(cases.count == 3)
        for c in cases {
            let table = try rows(c, fitCases: fitCases)
            #expect(table.count == c.int("n")!)
            let split = ExpandingWindowSplit(count: table.count, splits: c.int("n_splits")!)
            #expect(split.testSize == c.int("test_size")!)
            let report = CrossValidationReport(kept: table, splits: c.int("n_splits")!)
            let folds = try c.objects("folds")
            #expect(folds.count == c.int("n_splits")! && split.folds.count == folds.count, "\(c.id) folds")
            for (f, fold) in folds.enumerated() {
                let train = try fold.doubles("train").map { Int($0) }
                let test = try fold.doubles("test").map { Int($0) }
                #expect(split.folds[f].train == train[0]..<train[1], "\(c.id) fold \(f) train")
                #expect(split.folds[f].test == test[0]..<test[1], "\(c.id) fold \(f) test")
                for (name, key) in [("linear", "linear"), ("polynomial", "poly")] {
                    let got = report.results[name]![f]
                    let exp = try fold.object(key)
                    for (metrics, part) in [(got.train!, "train"), (got.test!, "test")] {
                        let e = try exp.object(part)
                        #expect(isClose(metrics.sumOfSquaredResiduals, e.double("sse")!, rel: 1e-9), "\(c.id) \(f) \(key) \(part) sse")
                        #expect(isClose(metrics.totalSumOfSquares, e.double("sst")!, rel: 1e-9))
                        #expect(isClose(metrics.r2, e.double("r2")!, rel: 1e-9))
                        #expect(isClose(metrics.rmse, e.double("rmse")!, rel: 1e-9))
                        #expect(isClose(metrics.mae, e.double("mae")!, rel: 1e-9))
                        #expect(metrics.count == e.int("n")!)
                    }
                }
                let model = try fold.object("model")
                let sat = report.results["saturation"]![f]
                #expect(sat.train!.sumOfSquaredResiduals <= model.double("train_sse_max_for_acceptance")!,
                        "\(c.id) fold \(f) model train SSE")
                // Informational in the README; at the same optimum predictions agree closely.
                #expect(isClose(sat.test!.sumOfSquaredResiduals, try model.object("test_at_best").double("sse")!, rel: 1e-3))
            }
        }
    }
}
