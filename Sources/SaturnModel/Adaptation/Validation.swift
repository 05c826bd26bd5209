/// The acceptance rule of DESIGN §4: a candidate set replaces the current one only if it beats it on recent
/// observations that were not used to train it.
///
/// The held-out loss is the plain mean of the squared residuals (``OnlineObjective/Residual``, the same kind as
/// the training objective) over the held-out rows, without decay weights or penalty: every held-out row is
/// equally recent and the question is only which set predicts them better.
///
/// A candidate is accepted iff it is inside its physical bounds, its held-out loss is finite, and that loss is
/// strictly lower than the current set's. Pure: returns a verdict with both losses and the reason for the log.
///
/// ```swift
/// let verdict = Validation.compare(candidate: new, current: old, heldOut: window.suffix(100), residual: .relative)
/// if verdict.isAccepted { /* install and broadcast */ }
/// ```
public enum Validation {
    /// Why a candidate was accepted or rejected.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// Strictly lower held-out loss: accepted.
        case improved
        /// Held-out loss not lower than the current set's.
        case notBetter = "not_better"
        /// Non-finite held-out loss or parameters.
        case nonFinite = "non_finite"
        /// A parameter outside its physical bounds.
        case outOfBounds = "out_of_bounds"
        /// No held-out rows, or too few rows to train on (nothing was compared).
        case tooFewObservations = "too_few_observations"
    }

    /// The outcome of a comparison.
    public struct Verdict: Sendable, Hashable {
        /// Why.
        public var reason: Reason
        /// Held-out loss of the candidate (NaN when not compared).
        public var candidateLoss: Double
        /// Held-out loss of the current set (NaN when not compared).
        public var currentLoss: Double
        /// Held-out rows compared.
        public var heldOutCount: Int

        /// True iff ``reason`` is ``Reason/improved``.
        public var isAccepted: Bool { reason == .improved }

        public init(reason: Reason, candidateLoss: Double, currentLoss: Double, heldOutCount: Int) {
            self.reason = reason
            self.candidateLoss = candidateLoss
            self.currentLoss = currentLoss
            self.heldOutCount = heldOutCount
        }
    }

    /// `(1/n) Σ ρᵢ²` over `rows`. - Precondition: `rows` is not empty.
    @inlinable
    public static func heldOutLoss<Model: AdaptiveLatencyModel>(
        _ model: Model, on rows: ArraySlice<StepObservation>, residual: OnlineObjective.Residual
    ) -> Double {
        meanSquaredResidual(on: rows, residual: residual) { model.latency(at: $0) }
    }

    /// `(1/n) Σ ρᵢ²` of the predictions `predict` over `rows`. - Precondition: `rows` is not empty.
    @inlinable
    static func meanSquaredResidual(
        on rows: ArraySlice<StepObservation>, residual: OnlineObjective.Residual,
        _ predict: (StepObservation) -> Double
    ) -> Double {
        precondition(!rows.isEmpty, "no held-out rows")
        var sum = 0.0
        for row in rows {
            var r = predict(row) - row.latencyMs
            if residual == .relative { r /= row.latencyMs }
            sum += r * r
        }
        return sum / Double(rows.count)
    }

    /// The verdict on two held-out losses of a candidate that is (or is not) physical and finite.
    static func verdict(
        candidateLoss: Double, currentLoss: Double, isPhysical: Bool, isFinite: Bool, heldOutCount: Int
    ) -> Verdict {
        let reason: Reason
        if !isPhysical {
            reason = isFinite ? .outOfBounds : .nonFinite
        } else if !candidateLoss.isFinite {
            reason = .nonFinite
        } else if candidateLoss < currentLoss || !currentLoss.isFinite {
            reason = .improved
        } else {
            reason = .notBetter
        }
        return Verdict(
            reason: reason, candidateLoss: candidateLoss, currentLoss: currentLoss, heldOutCount: heldOutCount)
    }

    /// Compares `candidate` with `current` on `heldOut` (see the type's discussion).
    public static func compare<Model: AdaptiveLatencyModel>(
        candidate: Model, current: Model, heldOut: ArraySlice<StepObservation>,
        residual: OnlineObjective.Residual = .relative
    ) -> Verdict {
        guard !heldOut.isEmpty else {
            return Verdict(reason: .tooFewObservations, candidateLoss: .nan, currentLoss: .nan, heldOutCount: 0)
        }
        return verdict(
            candidateLoss: heldOutLoss(candidate, on: heldOut, residual: residual),
            currentLoss: heldOutLoss(current, on: heldOut, residual: residual),
            isPhysical: Model.physicalBounds.contains(candidate.packed),
            isFinite: candidate.packed.indices.allSatisfy { candidate.packed[$0].isFinite }, heldOutCount: heldOut.count)
    }

    /// ``compare(candidate:current:heldOut:residual:)`` on a whole array of held-out rows.
    public static func compare<Model: AdaptiveLatencyModel>(
        candidate: Model, current: Model, heldOut: [StepObservation], residual: OnlineObjective.Residual = .relative
    ) -> Verdict {
        compare(candidate: candidate, current: current, heldOut: heldOut[...], residual: residual)
    }
}

extension Validation {
    /// `(1/n) Σ ρᵢ²` of a set of any family member over `rows` (each row's ``StepObservation/fixedMs`` is not read:
    /// the set's own terms are). - Precondition: `rows` is not empty.
    public static func heldOutLoss(
        _ model: FamilyParameters, on rows: ArraySlice<StepObservation>, residual: OnlineObjective.Residual
    ) -> Double {
        meanSquaredResidual(on: rows, residual: residual) { model.latency(at: $0) }
    }

    /// The acceptance rule for sets of any family members (a refit that changes the family, or fits the terms, is
    /// compared with the installed set on the same held-out rows): as
    /// ``compare(candidate:current:heldOut:residual:)-(Model,Model,ArraySlice<StepObservation>,_)``, with the
    /// physical check ``FamilyParameters/isWithin(_:)`` against ``ParameterBounds/physical``.
    public static func compare(
        candidate: FamilyParameters, current: FamilyParameters, heldOut: ArraySlice<StepObservation>,
        residual: OnlineObjective.Residual = .relative
    ) -> Verdict {
        guard !heldOut.isEmpty else {
            return Verdict(reason: .tooFewObservations, candidateLoss: .nan, currentLoss: .nan, heldOutCount: 0)
        }
        let b = candidate.base.packed
        return verdict(
            candidateLoss: heldOutLoss(candidate, on: heldOut, residual: residual),
            currentLoss: heldOutLoss(current, on: heldOut, residual: residual),
            isPhysical: candidate.isWithin(.physical),
            isFinite: b.indices.allSatisfy { b[$0].isFinite } && candidate.tauK.isFinite && candidate.tauQ.isFinite,
            heldOutCount: heldOut.count)
    }
}
