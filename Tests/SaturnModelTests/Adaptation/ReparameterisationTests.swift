import SaturnModel
import SaturnNumerics
import SaturnTestKit
import Testing

struct ReparameterisationTests {
    /// A window from the real table and a starting set from another key (a realistic warm start).
    static func setting() throws -> (rows: [StepObservation], start: LatencyParameters) {
        var rng = SplitMix64(seed: 3)
        let rows = AdaptationFixtures.stream(from: try AdaptationFixtures.table(), count: 2000, rng: &rng)
        return (rows, AdaptationFixtures.prior("h100-80gb-tp8"))
    }

    static func map(_ start: LatencyParameters, _ rows: [StepObservation]) -> Reparameterisation<LatencyParameters> {
        let objective = OnlineObjective()
        return Reparameterisation(
            reference: start, evaluation: objective.evaluate(start, on: rows, sensitivities: true),
            residual: objective.residual)
    }

    @Test func forwardAndInverseRoundTrip() throws {
        let (rows, start) = try Self.setting()
        let map = Self.map(start, rows)
        let u = map.coordinates(of: start)
        let back = map.model(at: u)
        for j in 0..<8 { #expect(isClose(back.packed[j], start.packed[j], rel: 1e-14, abs: 1e-300), "lane \(j)") }
        #expect(u[0] == start.pMax && map.bounds.lower[0] == start.pMax && map.bounds.upper[0] == start.pMax)
        #expect(map.adaptedMask == SIMD8(0, 1, 1, 1, 1, 1, 1, 1))
        #expect(map.logarithmicMask == SIMD8(0, 1, 1, 0, 0, 0, 0, 0))
        // The identity map of raw units.
        let raw = Reparameterisation.raw(reference: start)
        #expect(raw.coordinates(of: start) == start.packed && raw.model(at: start.packed) == start)
        #expect(raw.adaptedMask == SIMD8(repeating: 1) && raw.scales == SIMD8(repeating: 1))
    }

    /// ∂D/∂u from the chain rule against central differences of D along each coordinate of u.
    @Test func chainRuleMatchesFiniteDifferences() throws {
        let (rows, start) = try Self.setting()
        let map = Self.map(start, rows)
        let objective = OnlineObjective()
        let u = map.coordinates(of: start)
        let g = map.gradient(fromRaw: objective.evaluate(start, on: rows).gradient, at: u)
        #expect(g[0] == 0)
        for j in 1..<8 {
            // Central differences, or second-order forward ones for a lane on its lower bound (w₀ = τ₀ = 0 here).
            let h = 1e-5
            func d(_ k: Double) -> Double {
                var x = u
                x[j] += k * h
                return objective.dataLoss(map.model(at: x), on: rows)
            }
            let onBound = u[j] - h < map.bounds.lower[j]
            let fd = onBound ? (-3 * d(0) + 4 * d(1) - d(2)) / (2 * h) : (d(1) - d(-1)) / (2 * h)
            #expect(isClose(g[j], fd, rel: 1e-5, abs: 1e-10), "∂D/∂u[\(j)] \(g[j]) vs \(fd)")
        }
    }

    /// Jacobi scaling: the Gauss-Newton diagonal of D is 2 in every adapted lane that is not floored (≤ 2 where the
    /// floor applies); in raw units it spans many orders of magnitude (Findings 7).
    @Test func scaledCoordinatesAreWellConditioned() throws {
        let (rows, start) = try Self.setting()
        let objective = OnlineObjective()
        let e = objective.evaluate(start, on: rows, sensitivities: true)
        let map = Self.map(start, rows)
        var scaledDiagonal: [Double] = []
        var rawDiagonal: [Double] = []
        for j in 1..<8 {
            let jacobian = map.logarithmicMask[j] != 0 ? start.packed[j] / map.scales[j] : 1 / map.scales[j]
            let d = 2 * e.sensitivityMeanSquare[j] * jacobian * jacobian
            scaledDiagonal.append(d)
            rawDiagonal.append(2 * e.sensitivityMeanSquare[j])
            #expect(d <= 2 * (1 + 1e-12), "lane \(j)")
            if map.scales[j] > Reparameterisation<LatencyParameters>.defaultLogarithmicFloor {
                #expect(isClose(d, 2, rel: 1e-12), "lane \(j)")
            }
        }
        let spread = rawDiagonal.max()! / rawDiagonal.min()!
        print("Gauss-Newton diagonal, raw units:", rawDiagonal, "spread", spread)
        print("Gauss-Newton diagonal, scaled:", scaledDiagonal)
        #expect(spread > 1e6)
    }

    /// Projection in u lands inside the physical bounds in raw units, whatever u is.
    @Test func projectionInScaledCoordinatesStaysPhysical() throws {
        let (rows, start) = try Self.setting()
        let map = Self.map(start, rows)
        var rng = SplitMix64(seed: 5)
        for trial in 0..<1000 {
            var u = SIMD8<Double>()
            for j in 0..<8 {
                let r = rng.nextUniform()
                u[j] = r < 0.1 ? -.infinity : r < 0.2 ? .infinity : r < 0.25 ? .nan : (rng.nextUniform() - 0.5) * 1e6
            }
            let p = map.model(at: map.bounds.projection(of: u))
            #expect(p.isPhysical, "trial \(trial): \(p)")
            #expect(p.pMax == start.pMax)
        }
        // The corners of the box map onto the physical corners.
        let low = map.model(at: map.bounds.lower)
        #expect(isClose(low.kB, 1e-4, rel: 1e-14) && isClose(low.kS, 1e-4, rel: 1e-14))
        #expect(low.w0 == 0 && isClose(low.w1, 1e-6, rel: 1e-14) && low.tau0 == 0 && low.isPhysical)
        let high = map.model(at: SIMD8(start.pMax, map.bounds.upper[1], map.bounds.upper[2], 1, 1, 1, 1, 1))
        #expect(isClose(high.kB, 10, rel: 1e-14) && isClose(high.kS, 1, rel: 1e-14) && high.isPhysical)
    }

    /// A base set with another P_max is moved onto the reference's without changing its predictions.
    @Test func baseWithAnotherPMaxKeepsItsPredictions() throws {
        let (rows, start) = try Self.setting()
        let map = Self.map(start, rows)
        let base = AdaptationFixtures.prior("a100-80gb-tp2")
        let moved = map.model(at: map.coordinates(of: base))
        #expect(moved.pMax == start.pMax)
        for row in rows.prefix(50) { #expect(isClose(moved.latency(at: row), base.latency(at: row), rel: 1e-12)) }
    }

    @Test func velocityIsCarriedPerNaturalUnit() throws {
        let (rows, start) = try Self.setting()
        let map = Self.map(start, rows)
        let v = SIMD8<Double>(7, 1, 2, 3, 4, 5, 6, 7)
        let natural = map.naturalVelocity(v)
        #expect(natural[0] == 0)
        let back = map.velocity(fromNatural: natural)
        for j in 1..<8 { #expect(isClose(back[j], v[j], rel: 1e-15)) }
    }
}
