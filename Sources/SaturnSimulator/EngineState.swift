/// The state of a ``ServingEngine`` as a scheduling policy sees it before a step: running requests in admission
/// order, the waiting queue in its order, and the KV cache. Read-only for policies.
public struct EngineState: Sendable {
    /// One request's progress.
    public struct Request: Sendable, Equatable {
        /// Arrival time in seconds (scaled trace time).
        public var arrival: Double
        /// Prompt length from the trace.
        public var inputTokens: Int
        /// Tokens to generate.
        public var outputTokens: Int
        /// Tokens to prefill before the next token: the prompt, or after a preemption the prompt and the tokens
        /// generated so far (recomputed).
        public var promptTokens: Int
        /// Prompt tokens computed so far.
        public var prefilled: Int = 0
        /// Decode steps since the prompt was (re)computed.
        public var decoded: Int = 0
        /// Tokens generated (the first comes from the step that completes the prompt).
        public var generated: Int = 0
        /// Time of the first token in seconds (-1: none yet).
        public var firstTokenTime: Double = -1
        /// Time of the latest token in seconds.
        public var lastTokenTime: Double = -1
        /// Largest gap between consecutive tokens in seconds.
        public var maximumGap: Double = 0
        /// Completion time in seconds (-1: not finished).
        public var completion: Double = -1
        /// Removed unserved (by the policy, or because its prompt can never fit in the KV cache).
        public var dropped = false
        /// Times the request was preempted.
        public var preemptions = 0

        /// A request not yet admitted (other fields at their starting values).
        public init(arrival: Double, inputTokens: Int, outputTokens: Int, promptTokens: Int) {
            self.arrival = arrival
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.promptTokens = promptTokens
        }

        /// Prompt tokens still to compute before the next token.
        public var remainingPrefill: Int { promptTokens - prefilled }
        /// Whether the request decodes (its prompt is computed).
        public var isDecoding: Bool { prefilled == promptTokens }
        /// KV tokens the request reads in a step: its computed prompt and decoded tokens.
        public var contextTokens: Int { prefilled + decoded }
        /// KV tokens the request holds: its whole prompt is reserved at admission, plus its decoded tokens.
        public var heldTokens: Int { promptTokens + decoded }
    }

    /// Simulated time in seconds.
    public internal(set) var clock: Double = 0
    /// Every request of the trace, by trace index.
    public internal(set) var requests: [Request]
    /// Running requests (trace indices), in admission order.
    public internal(set) var running: [Int] = []
    var waitingStorage: [Int] = []
    var waitingHead = 0
    /// KV-cache capacity in tokens.
    public let kvCapacity: Int
    /// KV tokens held by running requests.
    public internal(set) var kvUsed = 0

    init(requests: [Request], kvCapacity: Int) {
        self.requests = requests
        self.kvCapacity = kvCapacity
        running.reserveCapacity(1024)
        waitingStorage.reserveCapacity(requests.count)
    }

    /// Requests waiting for admission.
    public var waitingCount: Int { waitingStorage.count - waitingHead }
    /// The trace index of the waiting request at `offset` from the head of the queue.
    public func waiting(_ offset: Int) -> Int { waitingStorage[waitingHead + offset] }
    /// KV tokens not held.
    public var kvFree: Int { kvCapacity - kvUsed }
    /// KV tokens the running requests will add in the next step if every decoding one decodes (one each).
    public var kvNeededByDecodes: Int {
        var n = 0
        for r in running where requests[r].isDecoding { n += 1 }
        return n
    }
}
