/// Why ``Admission`` stopped admitting.
public enum AdmissionStopReason: String, Sendable, Hashable, CaseIterable {
    /// Every waiting request was admitted.
    case allAdmitted = "all_admitted"
    /// A candidate did not fit and the scan stopped there (``AdmissionOptions/scanPastMisfit`` is off).
    case firstMisfit = "first_misfit"
    /// The running batch alone is over the (effective) SLA: ``AdmissionRule/greedy`` admits nothing, and
    /// ``AdmissionRule/bestEffort`` found no run of candidates that brings it under.
    case currentOverSLA = "current_over_sla"
    /// No request was waiting.
    case noWaiting = "no_waiting"
    /// The concurrency cap ``AdmissionOptions/maximumBatchSize`` was reached with candidates left.
    case batchSizeLimit = "batch_size_limit"
    /// The last admission is a chunk of a longer request, which fills the step.
    case chunked
    /// Every candidate was visited (``AdmissionOptions/scanPastMisfit``) and at least one did not fit.
    case endOfQueue = "end_of_queue"
}
