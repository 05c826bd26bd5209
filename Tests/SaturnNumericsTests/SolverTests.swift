import SaturnNumerics
import SaturnTestKit
import Testing

/// A tiny problem: residuals (x0 − 1, 10 (x1 − x0²)) (Rosenbrock), with an analytic Jacobian.
private struct Rosenbrock: LeastSquaresProblem {
    var parameterCount: Int { 2 }
    func sumOfSquares(at x: UnsafeBufferPointer<Double>) -> Double {
        let r0 = x[0] - 1
        let r1 = 10 * (x[1] - x[0] * x[0])
        return r0 * r0 + r1 * r1
    }
    func normalEquations(
        at x: UnsafeBufferPointer<Double>, jtj: UnsafeMutableBufferPointer<Double>,
        jtr: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let r0 = x[0] - 1
        let r1 = 10 * (x[1] - x[0] * x[0])
        let j = [[1.0, 0.0], [-20 * x[0], 10.0]]
        for a in 0..<2 {
            for b in 0..<2 { jtj[a * 2 + b] = j[0][a] * j[0][b] + j[1][a] * j[1][b] }
            jtr[a] = j[0][a] * r0 + j[1][a] * r1
        }
        return r0 * r0 + r1 * r1
    }
}

struct BoundedLeastSquaresTests {
    @Test func unconstrainedMinimumIsFound() {
        let solver = BoundedLeastSquares(lower: [-.infinity, -.infinity], upper: [.infinity, .infinity])
        let r = solver.minimize(Rosenbrock(), from: [-1.2, 1])
        #expect(r.isConverged)
        #expect(abs(r.parameters[0] - 1) < 1e-8 && abs(r.parameters[1] - 1) < 1e-8)
        #expect(r.sumOfSquaredResiduals < 1e-20)
        #expect(r.activeBounds == [0, 0])
    }

    @Test func boundsAreRespectedAndReportedActive() {
        // With x0 <= 0.5 the constrained minimum is x0 = 0.5, x1 = 0.25.
        let solver = BoundedLeastSquares(lower: [-2, -2], upper: [0.5, 2])
        let r = solver.minimize(Rosenbrock(), from: [-1.2, 1])
        #expect(r.isConverged)
        #expect(r.parameters[0] == 0.5)
        #expect(abs(r.parameters[1] - 0.25) < 1e-8)
        #expect(r.activeBounds == [1, 0])
    }

    @Test func startOutsideTheBoxIsProjected() {
        let solver = BoundedLeastSquares(lower: [0, 0], upper: [3, 3])
        let r = solver.minimize(Rosenbrock(), from: [-5, 9])
        #expect(r.parameters.allSatisfy { $0 >= 0 && $0 <= 3 })
        #expect(abs(r.parameters[0] - 1) < 1e-8)
    }

    @Test func evaluationBudgetIsReportedNotThrown() {
        var solver = BoundedLeastSquares(lower: [-.infinity, -.infinity], upper: [.infinity, .infinity])
        solver.maximumEvaluations = 3
        let r = solver.minimize(Rosenbrock(), from: [-1.2, 1])
        #expect(r.termination == .maximumEvaluations)
        #expect(!r.isConverged)
        #expect(r.evaluationCount <= 4)
    }
}

struct LinearAlgebraTests {
    @Test func qrSolvesAnExactSystem() throws {
        let x: [Double] = [1, 2, 3, 4, 5, 6]
        let y = x.map { 2 + 0.5 * $0 }
        let s = try LinearLeastSquares.solve(columns: [[Double](repeating: 1, count: 6), x], y: y)
        #expect(s.rank == 2)
        #expect(isClose(s.coefficients![0], 2, rel: 1e-14))
        #expect(isClose(s.coefficients![1], 0.5, rel: 1e-14))
        #expect(s.sumOfSquaredResiduals < 1e-25)
    }

    @Test func rankDeficiencyGivesFittedValuesButNoCoefficients() throws {
        let ones = [Double](repeating: 1, count: 5)
        let twos = [Double](repeating: 2, count: 5)
        let z: [Double] = [1, 4, 2, 8, 5]
        let y: [Double] = [3, 9, 5, 17, 11]
        let s = try LinearLeastSquares.solve(columns: [ones, twos, z], y: y)
        #expect(s.rank == 2)
        #expect(s.coefficients == nil)
        for i in 0..<5 { #expect(isClose(s.fittedValues[i], 1 + 2 * z[i], rel: 1e-12)) }
    }

    @Test func qrRejectsBadInput() {
        #expect(throws: LinearLeastSquares.Failure.tooFewRows(rows: 1, columns: 2)) {
            try LinearLeastSquares.solve(columns: [[1], [2]], y: [1])
        }
        #expect(throws: LinearLeastSquares.Failure.nonFiniteInput) {
            try LinearLeastSquares.solve(columns: [[1, 1], [1, .nan]], y: [1, 2])
        }
    }

    @Test func nonNegativeLeastSquaresClampsTheNegativeDirection() {
        // C = [[1,0],[0,1],[1,1]], y = [2, -1, 1]: unconstrained q = (2, -1) → constrained (1.5, 0).
        let c: [[Double]] = [[1, 0], [0, 1], [1, 1]]
        let y: [Double] = [2, -1, 1]
        var g = [Double](repeating: 0, count: 4)
        var h = [Double](repeating: 0, count: 2)
        var yy = 0.0
        for i in 0..<3 {
            for a in 0..<2 {
                for b in 0..<2 { g[a * 2 + b] += c[i][a] * c[i][b] }
                h[a] += c[i][a] * y[i]
            }
            yy += y[i] * y[i]
        }
        var nnls = NonNegativeLeastSquares(count: 2)
        let sse = g.withUnsafeBufferPointer { gp in h.withUnsafeBufferPointer { nnls.solve(gram: gp, moment: $0, yy: yy) } }
        #expect(isClose(nnls.solution[0], 1.5, rel: 1e-12))
        #expect(nnls.solution[1] == 0)
        #expect(isClose(sse, 0.25 + 1 + 0.25, rel: 1e-12))
    }

    @Test func quantileInterpolatesLikeNumPy() {
        let v: [Double] = [5, 1, 4, 2, 3]
        #expect(Descriptive.quantile(v, 0.5) == 3)
        #expect(Descriptive.quantile(v, 0.95) == 4.8)  // numpy.percentile([1..5], 95) = 4.8
        #expect(Descriptive.quantile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(Descriptive.quantile([7], 0.99) == 7)
    }
}
