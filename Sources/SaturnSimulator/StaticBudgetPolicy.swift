/// vLLM's static budgets: at most `maxBatchedTokens` tokens (`max_num_batched_tokens`) and `maxSequences`
/// running requests (`max_num_seqs`) per step, chunked prefill, decodes first.
///
/// Each step: every decoding request gets one token (in admission order) while the token budget lasts; then
/// running requests with prompt left get chunks of what the budget leaves; then waiting requests join in queue
/// order (first come, first served) while fewer than `maxSequences` run, the budget is not spent and the
/// request's prompt fits in the free KV cache, each with a chunk of `min(prompt, budget left)`. The first
/// waiting request that does not fit stops admission (no skipping ahead), as vLLM's FCFS scheduler does.
public struct StaticBudgetPolicy: SchedulingPolicy, Sendable {
    /// `max_num_batched_tokens`.
    public let maxBatchedTokens: Int
    /// `max_num_seqs`.
    public let maxSequences: Int
    public let name: String

    /// - Parameter name: defaults to `static-<tokens>x<sequences>`.
    public init(maxBatchedTokens: Int, maxSequences: Int, name: String? = nil) {
        self.maxBatchedTokens = max(1, maxBatchedTokens)
        self.maxSequences = max(1, maxSequences)
        self.name = name ?? "static-\(maxBatchedTokens)x\(maxSequences)"
    }

    public mutating func plan(_ state: EngineState, into plan: inout StepPlan) {
        var budget = maxBatchedTokens
        for (k, r) in state.running.enumerated() where budget > 0 && state.requests[r].isDecoding {
            plan.runningTokens[k] = 1
            budget -= 1
        }
        for (k, r) in state.running.enumerated() where budget > 0 && !state.requests[r].isDecoding {
            let t = min(state.requests[r].remainingPrefill, budget)
            plan.runningTokens[k] = t
            budget -= t
        }
        var kvFree = state.kvFree - state.kvNeededByDecodes
        var seqs = state.running.count
        var offset = 0
        while budget > 0, seqs < maxSequences, offset < state.waitingCount {
            let req = state.requests[state.waiting(offset)]
            guard req.promptTokens + 1 <= kvFree else { break }
            let t = min(req.promptTokens, budget)
            plan.admissions.append((offset, t))
            kvFree -= req.promptTokens
            budget -= t
            seqs += 1
            offset += 1
        }
    }

    public mutating func observe(_ step: StepRecord) {}
}
