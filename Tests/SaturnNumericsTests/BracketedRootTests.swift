import SaturnNumerics
import Testing

/// ``BracketedRoot``: Brent's method on functions with known roots.
struct BracketedRootTests {
    @Test func findsKnownRootsToTolerance() throws {
        let sqrt2 = try #require(BracketedRoot.brent(lower: 0, upper: 2) { $0 * $0 - 2 })
        #expect(abs(sqrt2.root - 2.0.squareRoot()) <= 4e-12 && sqrt2.isConverged)
        let cubic = try #require(BracketedRoot.brent(lower: -10, upper: 10) { ($0 - 3) * ($0 * $0 + 1) })
        #expect(abs(cubic.root - 3) <= 1e-11)
        // A flat-then-steep function converges (bisection fallback) within the iteration budget.
        let steep = try #require(BracketedRoot.brent(lower: 0, upper: 1) { x in x < 0.7 ? -1e-300 : x - 0.7 + 1e-3 })
        #expect(steep.root <= 0.7 + 1e-9 && steep.root >= 0.699 - 1e-9)
        #expect(steep.evaluationCount < 200)
    }

    @Test func endsAndBadBrackets() {
        #expect(BracketedRoot.brent(lower: 1, upper: 2) { $0 - 1 }?.root == 1)
        #expect(BracketedRoot.brent(lower: 1, upper: 2) { $0 - 2 }?.root == 2)
        #expect(BracketedRoot.brent(lower: 1, upper: 2) { $0 } == nil, "no sign change")
        #expect(BracketedRoot.brent(lower: 1, upper: 2) { _ in .nan } == nil)
    }
}
