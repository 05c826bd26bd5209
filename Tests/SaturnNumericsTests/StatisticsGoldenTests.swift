import SaturnNumerics
import SaturnTestKit
import Testing

/// `stats.json`: scipy.stats.ks_2samp, mannwhitneyu(alternative='greater'), shapiro.
struct StatisticsGoldenTests {
    let golden: Golden

    init() throws { golden = try Golden("stats") }

    /// KS p-values: rel 1e-9 (abs 1e-15 below 1e-6), for every method SciPy reports.
    @Test func kolmogorovSmirnovMatchesSciPy() throws {
        let cases = try golden.cases("ks_cases")
        #expect(cases.count == 20)
        for c in cases {
            let x = try c.doubles("x_recent")
            let y = try c.doubles("y_historical")
            let exact = try KolmogorovSmirnov.twoSample(x, y, method: .exact)
            let asymp = try KolmogorovSmirnov.twoSample(x, y, method: .asymptotic)
            let auto = try KolmogorovSmirnov.twoSample(x, y)
            #expect(isClose(exact.statistic, c.double("statistic")!, rel: 1e-12), "\(c.id) D")
            #expect(isClose(asymp.statistic, c.double("statistic_asymp_raw")!, rel: 1e-12), "\(c.id) raw D")
            #expect(exact.statisticLocation == c.double("statistic_location")!, "\(c.id) location")
            #expect(exact.statisticSign == c.int("statistic_sign")!, "\(c.id) sign")
            let pExact = c.double("p_exact")!
            #expect(isClose(exact.pValue, pExact, rel: 1e-9, abs: pExact < 1e-6 ? 1e-15 : 0),
                    "\(c.id) exact p \(exact.pValue) vs \(pExact)")
            let pAsymp = c.double("p_asymp")!
            #expect(isClose(asymp.pValue, pAsymp, rel: 1e-9, abs: pAsymp < 1e-6 ? 1e-15 : 0),
                    "\(c.id) asymp p \(asymp.pValue) vs \(pAsymp)")
            #expect(auto.method.rawValue == c.string("auto_method")!, "\(c.id) auto method")
            #expect(isClose(auto.pValue, c.double("p_auto")!, rel: 1e-9, abs: 1e-15), "\(c.id) auto p")
        }
    }

    @Test func kolmogorovSmirnovOneSidedIsTheMirrorImage() throws {
        var rng = SplitMix64(seed: 7)
        let x = (0..<40).map { _ in rng.nextUniform() + 0.2 }
        let y = (0..<55).map { _ in rng.nextUniform() }
        for method in [KolmogorovSmirnov.Method.exact, .asymptotic] {
            let less = try KolmogorovSmirnov.twoSample(x, y, alternative: .less, method: method)
            let greater = try KolmogorovSmirnov.twoSample(y, x, alternative: .greater, method: method)
            #expect(isClose(less.statistic, greater.statistic, rel: 1e-12))
            #expect(isClose(less.pValue, greater.pValue, rel: 1e-9))
            #expect(less.pValue > 0 && less.pValue <= 1)
        }
    }

    @Test func mannWhitneyMatchesSciPy() throws {
        let cases = try golden.cases("mwu_cases")
        #expect(cases.count == 20)
        for c in cases {
            let x = try c.doubles("x_recent")
            let y = try c.doubles("y_historical")
            let asymptotic = try MannWhitneyU.test(x, y, alternative: .greater, method: .asymptotic)
            #expect(isClose(asymptotic.statistic, c.double("U1")!, rel: 1e-12), "\(c.id) U1")
            #expect(isClose(asymptotic.pValue, c.double("p_asymptotic")!, rel: 1e-10), "\(c.id) asymptotic p")
            #expect(isClose(asymptotic.tieTerm, c.double("tie_term_sum_t3_minus_t")!, rel: 1e-12), "\(c.id) ties")
            if let z = c.double("z_asymptotic") {
                #expect(isClose(asymptotic.zStatistic!, z, rel: 1e-10), "\(c.id) z")
            }
            if !c.isNull("p_asymptotic_no_continuity_info") {
                let noCC = try MannWhitneyU.test(
                    x, y, alternative: .greater, useContinuity: false, method: .asymptotic)
                #expect(isClose(noCC.pValue, c.double("p_asymptotic_no_continuity_info")!, rel: 1e-10))
            }
            if let pExact = c.double("p_exact") {
                let exact = try MannWhitneyU.test(x, y, alternative: .greater, method: .exact)
                #expect(isClose(exact.pValue, pExact, rel: 1e-10), "\(c.id) exact p \(exact.pValue) vs \(pExact)")
            }
            let auto = try MannWhitneyU.test(x, y, alternative: .greater)
            #expect(auto.method.rawValue == c.string("auto_method")!, "\(c.id) auto method")
            #expect(isClose(auto.pValue, c.double("p_auto")!, rel: 1e-10), "\(c.id) auto p")
        }
    }

    @Test func mannWhitneyAlternativesAreConsistent() throws {
        var rng = SplitMix64(seed: 11)
        let x = (0..<6).map { _ in rng.nextUniform() }
        let y = (0..<7).map { _ in rng.nextUniform() }
        for method in [MannWhitneyU.Method.exact, .asymptotic] {
            let greater = try MannWhitneyU.test(x, y, alternative: .greater, method: method)
            let less = try MannWhitneyU.test(y, x, alternative: .less, method: method)
            let two = try MannWhitneyU.test(x, y, alternative: .twoSided, method: method)
            #expect(isClose(greater.pValue, less.pValue, rel: 1e-12))
            #expect(two.pValue >= greater.pValue - 1e-15 || two.pValue == 1)
        }
        // x entirely above y: U1 = n1 n2 = 12, one arrangement of C(7, 3) = 35.
        let above = try MannWhitneyU.test([10, 11, 12], [1, 2, 3, 4], alternative: .greater, method: .exact)
        #expect(above.statistic == 12)
        #expect(isClose(above.pValue, 1.0 / 35.0, rel: 1e-14))
        // The other side: P(U >= 0) = 1, the whole null distribution.
        let below = try MannWhitneyU.test([10, 11, 12], [1, 2, 3, 4], alternative: .less, method: .exact)
        #expect(isClose(below.pValue, 1, rel: 1e-14))
    }

    @Test func shapiroWilkMatchesSciPy() throws {
        let cases = try golden.cases("shapiro_cases")
        #expect(cases.count == 24)
        for c in cases {
            let r = try ShapiroWilk.test(c.doubles("x"))
            let w = c.double("W")!
            let p = c.double("p")!
            #expect(isClose(r.statistic, w, rel: 1e-9), "\(c.id) W \(r.statistic) vs \(w)")
            #expect(isClose(r.pValue, p, rel: 1e-7, abs: p < 1e-5 ? 1e-12 : 0), "\(c.id) p \(r.pValue) vs \(p)")
            let warned = try !c.strings("scipy_warnings").isEmpty
            #expect((r.warning != nil) == warned || c.int("n")! > 5000, "\(c.id) warning")
        }
    }

    @Test func badSamplesThrowInsteadOfTrapping() {
        #expect(throws: StatisticsError.self) { try KolmogorovSmirnov.twoSample([], [1]) }
        #expect(throws: StatisticsError.self) { try KolmogorovSmirnov.twoSample([.nan], [1]) }
        #expect(throws: StatisticsError.self) { try MannWhitneyU.test([1], []) }
        #expect(throws: StatisticsError.self) { try MannWhitneyU.test([.infinity], [1]) }
        #expect(throws: StatisticsError.self) { try ShapiroWilk.test([1, 2]) }
        #expect(throws: StatisticsError.self) { try ShapiroWilk.test([1, 2, .nan]) }
    }
}
