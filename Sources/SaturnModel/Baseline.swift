import SaturnNumerics

/// The design's reference models, fitted by ordinary least squares (Householder QR, no normal equations):
/// linear `T = a + b₁B + b₂S` and polynomial `T = a + b₁B + b₂S + b₃B² + b₄S²`.
public struct Baseline: Sendable, LatencyPredictor {
    /// Which baseline.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case linear
        case polynomial
    }

    /// Why a baseline cannot be fitted.
    public enum Failure: Error, Equatable, Sendable {
        case tooFewRows(rows: Int, required: Int)
        case nonFiniteInput
    }

    /// The kind.
    public var kind: Kind
    /// Coefficients `[a, b₁, b₂]` or `[a, b₁, b₂, b₃, b₄]`; nil when the design is rank deficient.
    public var coefficients: [Double]?
    /// Coefficients used for prediction: equal to ``coefficients`` at full rank; at deficient rank, a basic
    /// least-squares solution (pivoted QR, dependent columns at 0), one of the many equally good ones.
    public var predictionCoefficients: [Double]
    /// Numerical rank of the design.
    public var rank: Int
    /// Training fitted values (unique even at deficient rank).
    public var fittedValues: [Double]

    /// Fits `kind` on `table`.
    public init(_ kind: Kind, fittedTo table: StepTable) throws(Failure) {
        var cols: [[Double]] = [[Double](repeating: 1, count: table.count), table.batchSizes, table.tokens]
        if kind == .polynomial {
            cols.append(table.batchSizes.map { $0 * $0 })
            cols.append(table.tokens.map { $0 * $0 })
        }
        let solution: LinearLeastSquares.Solution
        do {
            solution = try LinearLeastSquares.solve(columns: cols, y: table.latencies)
        } catch .tooFewRows(let rows, let columns) {
            throw .tooFewRows(rows: rows, required: columns)
        } catch {
            throw .nonFiniteInput
        }
        self.kind = kind
        coefficients = solution.coefficients
        rank = solution.rank
        fittedValues = solution.fittedValues
        if let c = solution.coefficients {
            predictionCoefficients = c
        } else {
            // Basic solution: least squares on a maximal independent subset of columns (greedy, in order).
            var chosen: [Int] = []
            var last: LinearLeastSquares.Solution? = nil
            for j in cols.indices {
                let trial = chosen + [j]
                if let s = try? LinearLeastSquares.solve(columns: trial.map { cols[$0] }, y: table.latencies),
                    s.coefficients != nil
                {
                    chosen = trial
                    last = s
                }
            }
            var c = [Double](repeating: 0, count: cols.count)
            if let s = last, let q = s.coefficients { for (k, j) in chosen.enumerated() { c[j] = q[k] } }
            predictionCoefficients = c
        }
    }

    public func predictedLatency(batchSize b: Double, tokens s: Double) -> Double {
        let c = predictionCoefficients
        var t = c[0] + c[1] * b + c[2] * s
        if kind == .polynomial { t += c[3] * b * b + c[4] * s * s }
        return t
    }
}
