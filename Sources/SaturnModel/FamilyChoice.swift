/// The outcome of one choice of model family for a key, as the agent reports it in its health reply: the family
/// chosen and each candidate's cross-validated error (the evidence), over which rows and when.
public struct FamilyChoice: Sendable, Hashable {
    /// One candidate's out-of-sample error.
    public struct Candidate: Sendable, Hashable {
        public var family: ModelFamily
        /// Mean relative error over grouped folds (a fraction); infinity when a fold could not be fitted.
        public var cvMeanRelativeError: Double

        public init(family: ModelFamily, cvMeanRelativeError: Double) {
            self.family = family
            self.cvMeanRelativeError = cvMeanRelativeError
        }
    }

    /// The family chosen by ``FamilySelection``'s rule.
    public var chosen: ModelFamily
    /// Every family tried, in order of richness.
    public var candidates: [Candidate]
    /// Rows cross-validated.
    public var rows: Int
    /// Of those, rows every candidate's robust gate rejected (neither trained on nor scored).
    public var rejectedRows: Int
    /// The key's observation count when the choice ran.
    public var atObservation: UInt64
    /// Wall time of the choice in ms.
    public var durationMs: Double

    public init(
        chosen: ModelFamily, candidates: [Candidate], rows: Int, rejectedRows: Int, atObservation: UInt64,
        durationMs: Double
    ) {
        self.chosen = chosen
        self.candidates = candidates
        self.rows = rows
        self.rejectedRows = rejectedRows
        self.atObservation = atObservation
        self.durationMs = durationMs
    }

    /// The summary of `selection`.
    public init(_ selection: FamilySelection, atObservation: UInt64, durationMs: Double) {
        self.init(
            chosen: selection.chosen,
            candidates: selection.candidates.map { Candidate(family: $0.family, cvMeanRelativeError: $0.cvMAPE) },
            rows: selection.scoredRows + selection.rejected.count, rejectedRows: selection.rejected.count,
            atObservation: atObservation, durationMs: durationMs)
    }
}
