/// The settings of a ``SaturnAdmissionPolicy`` (the same for every scenario).
public struct SaturnPolicyConfiguration: Sendable {
    /// The order waiting requests are offered in.
    public enum Ordering: String, Sendable, CaseIterable {
        /// First come, first served (arrival order).
        case fcfs
        /// Shortest prompt first (ties by arrival).
        case shortestPrompt
    }

    /// What to do with waiting requests whose TTFT is already lost.
    public enum LostRequests: String, Sendable, CaseIterable {
        case keep
        case `defer`
        case drop
    }

    /// Step-latency SLA in ms.
    public var slaMs: Double
    /// TTFT target in ms (for ``LostRequests``).
    public var ttftMs: Double
    public var ordering: Ordering = .fcfs
    public var lost: LostRequests = .keep
    /// The smallest prompt chunk (tokens).
    public var minimumChunkTokens: Double = 32
    /// Steps whose errors set the margin.
    public var errorWindow: Int = 1000
    /// A step is binding when predicted or measured at least this fraction of the SLA.
    public var bindingFraction: Double = 0.5
    /// The least growth of the cap beyond the largest batch size seen within the SLA.
    public var capGrowthMinimum: Int = 4
    /// Recent steps an offered parameter set is checked on.
    public var validationWindow: Int = 500
    /// Recent steps needed before offers are checked (before that, they are adopted).
    public var validationMinimum: Int = 50
    /// Binding steps before the live error is used.
    public var warmUpSteps: Int = 50
    /// The margin until then.
    public var warmUpMargin: Double = 0.2
    /// Waiting requests offered per step (from the head of the queue).
    public var candidateWindow: Int = 512

    /// The defaults, with the SLA, the TTFT target, the ordering and the handling of lost requests.
    public init(slaMs: Double, ttftMs: Double, ordering: Ordering = .fcfs, lost: LostRequests = .keep) {
        self.slaMs = slaMs
        self.ttftMs = ttftMs
        self.ordering = ordering
        self.lost = lost
    }
}
