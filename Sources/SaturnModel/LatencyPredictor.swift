/// Anything that predicts a step latency from `(B, S)`.
public protocol LatencyPredictor: Sendable {
    /// Predicted latency in ms.
    func predictedLatency(batchSize: Double, tokens: Double) -> Double

    /// Predictions for every row of `table`. The default uses `B` and `S` only; a model with further terms
    /// (``FamilyParameters``) reads its columns too.
    func predictions(for table: StepTable) -> [Double]
}

extension LatencyPredictor {
    /// Predictions for every row of `table` from `B` and `S`.
    public func predictions(for table: StepTable) -> [Double] {
        (0..<table.count).map { predictedLatency(batchSize: table.batchSizes[$0], tokens: table.tokens[$0]) }
    }
}

extension LatencyParameters: LatencyPredictor {
    public func predictedLatency(batchSize: Double, tokens: Double) -> Double {
        latency(batchSize: batchSize, tokens: tokens)
    }
}
