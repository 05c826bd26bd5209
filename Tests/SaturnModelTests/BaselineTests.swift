import SaturnModel
import SaturnTestKit
import Testing

/// `baselines.json` and `cv.json`.
struct BaselineTests {
    private func rows(_ c: GoldenCase, fitCases: [String: GoldenCase]) -> StepTable {
        if let ref = c.object("data_ref") {
            let source = fitCases[ref.string("case_id")!]!
            return RowFilter().apply(to: source.table()).kept
        }
        return c.table()
    }

    @Test func baselinesMatchExactLeastSquares() throws {
        let golden = try Golden("baselines")
        let fitCases = Dictionary(uniqueKeysWithValues: try Golden("fit_cases").cases().map { ($0.id, $0) })
        let probeB = golden.root["probe_B"] as! [Double]
        let probeS = golden.root["probe_S"] as! [Double]
        let cases = golden.cases()
        #expect(cases.count == 12)
        for c in cases {
            let table = rows(c, fitCases: fitCases)
            for (kind, key) in [(Baseline.Kind.linear, "linear"), (.polynomial, "poly")] {
                let expected = c.object(key)!
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
                let coef = expected.doubles("coef")
                let tol = kind == .linear ? 1e-9 : 1e-6
                let scale = coef.map(abs).max()!
                for k in coef.indices {
                    #expect(isClose(model.coefficients![k], coef[k], rel: tol, abs: 1e-13 * scale), "\(c.id) \(key) coef \(k)")
                }
                let probes = expected.matrix("probe_predictions")
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
        let fitCases = Dictionary(uniqueKeysWithValues: try Golden("fit_cases").cases().map { ($0.id, $0) })
        for c in golden.cases() {
            let table = rows(c, fitCases: fitCases)
            #expect(table.count == c.int("n")!)
            let split = ExpandingWindowSplit(count: table.count, splits: c.int("n_splits")!)
            #expect(split.testSize == c.int("test_size")!)
            let report = CrossValidationReport(kept: table, splits: c.int("n_splits")!)
            for (f, fold) in c.objects("folds").enumerated() {
                let train = fold.doubles("train").map { Int($0) }
                let test = fold.doubles("test").map { Int($0) }
                #expect(split.folds[f].train == train[0]..<train[1], "\(c.id) fold \(f) train")
                #expect(split.folds[f].test == test[0]..<test[1], "\(c.id) fold \(f) test")
                for (name, key) in [("linear", "linear"), ("polynomial", "poly")] {
                    let got = report.results[name]![f]
                    let exp = fold.object(key)!
                    for (metrics, part) in [(got.train!, "train"), (got.test!, "test")] {
                        let e = exp.object(part)!
                        #expect(isClose(metrics.sumOfSquaredResiduals, e.double("sse")!, rel: 1e-9), "\(c.id) \(f) \(key) \(part) sse")
                        #expect(isClose(metrics.totalSumOfSquares, e.double("sst")!, rel: 1e-9))
                        #expect(isClose(metrics.r2, e.double("r2")!, rel: 1e-9))
                        #expect(isClose(metrics.rmse, e.double("rmse")!, rel: 1e-9))
                        #expect(isClose(metrics.mae, e.double("mae")!, rel: 1e-9))
                        #expect(metrics.count == e.int("n")!)
                    }
                }
                let model = fold.object("model")!
                let sat = report.results["saturation"]![f]
                #expect(sat.train!.sumOfSquaredResiduals <= model.double("train_sse_max_for_acceptance")!,
                        "\(c.id) fold \(f) model train SSE")
                // Informational in the README; at the same optimum predictions agree closely.
                #expect(isClose(sat.test!.sumOfSquaredResiduals, model.object("test_at_best")!.double("sse")!, rel: 1e-3))
            }
        }
    }
}
