import Foundation
import SaturnNumerics
import Testing

@testable import SaturnModel

struct SaturationProblemTermsTests {
    /// `JᵀJ` and `Jᵀr` of the problem with two terms against central differences of the residuals.
    @Test func normalEquationsMatchFiniteDifferences() {
        let bn = [0.25, 0.5, 1, 2, 4, 1, 0.5, 2]
        let sn = [0.1, 1, 2, 0.5, 3, 1, 0.2, 4]
        let t = [5.0, 9, 14, 8, 30, 12, 6, 40]
        let sw = t.map { 1 / $0 }
        let extras = (0..<8).flatMap { i in [Double(i % 3) * 0.7, Double(i % 2) * 1.3] }
        let problem = SaturationProblem(
            bn: bn, sn: sn, t: t, sw: sw, sqrtLambda: 0, penaltyScale: SIMD8(), penaltyBase: SIMD8(), extras: extras,
            extraCount: 2)
        #expect(problem.parameterCount == 9)
        let x = [0.7, 0.9, 2.0, 3.0, 1.5, 0.4, 0.3, 0.8, 0.6]
        func residuals(_ x: [Double]) -> [Double] {
            (0..<8).map { i in
                let a = 1 - exp(-x[0] * bn[i])
                let c = 1 - exp(-x[1] * sn[i])
                let pred = x[4] + (x[2] + x[3] * sn[i]) / (a * c) + x[5] * bn[i] + x[6] * sn[i]
                    + x[7] * extras[2 * i] + x[8] * extras[2 * i + 1]
                return sw[i] * (pred - t[i])
            }
        }
        var jtj = [Double](repeating: 0, count: 81)
        var jtr = [Double](repeating: 0, count: 9)
        let sse = x.withUnsafeBufferPointer { xp in
            jtj.withUnsafeMutableBufferPointer { a in
                jtr.withUnsafeMutableBufferPointer { g in problem.normalEquations(at: xp, jtj: a, jtr: g) }
            }
        }
        let r0 = residuals(x)
        #expect(abs(sse - r0.map { $0 * $0 }.reduce(0, +)) < 1e-12 * sse)
        #expect(abs(x.withUnsafeBufferPointer { problem.sumOfSquares(at: $0) } - sse) < 1e-12 * sse)
        var jacobian = [[Double]](repeating: [], count: 9)
        for j in 0..<9 {
            let h = 1e-6 * Swift.max(abs(x[j]), 1)
            var up = x, down = x
            up[j] += h
            down[j] -= h
            let ru = residuals(up), rd = residuals(down)
            jacobian[j] = (0..<8).map { (ru[$0] - rd[$0]) / (2 * h) }
        }
        for a in 0..<9 {
            let g = (0..<8).map { jacobian[a][$0] * r0[$0] }.reduce(0, +)
            #expect(abs(g - jtr[a]) <= 1e-6 * Swift.max(abs(jtr[a]), 1e-3), "Jtr[\(a)]")
            for b in 0..<9 {
                let v = (0..<8).map { jacobian[a][$0] * jacobian[b][$0] }.reduce(0, +)
                #expect(abs(v - jtj[a * 9 + b]) <= 1e-6 * Swift.max(abs(v), 1e-3), "JtJ[\(a),\(b)]")
            }
        }
    }
}
