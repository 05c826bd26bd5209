extension SimulationRun {
    /// The runs of replicas that served one trace side by side (the shards of
    /// ``RequestTrace/roundRobin(workers:)``, on one clock) as one run of the whole deployment: requests and step
    /// latencies concatenated in replica order; tokens, queue integrals, peak KV use, KV capacities, preemptions,
    /// plan violations and stalls summed; from the earliest start to the latest end.
    ///
    /// So ``RunMetrics`` of the merged run count goodput and throughput over the deployment, the fraction of steps
    /// over the SLA over every replica's steps, and the mean queue length as the sum of the replicas' queues. One
    /// run merges into itself (under `policy`).
    /// - Precondition: `runs` is not empty.
    public init(merging runs: [SimulationRun], policy: String) {
        precondition(!runs.isEmpty, "nothing to merge")
        self.init(
            policy: policy, requests: runs.flatMap(\.requests), stepLatenciesMs: runs.flatMap(\.stepLatenciesMs),
            totalTokensComputed: runs.reduce(0) { $0 + $1.totalTokensComputed },
            start: runs.map(\.start).min()!, end: runs.map(\.end).max()!,
            queueIntegral: runs.reduce(0) { $0 + $1.queueIntegral }, peakKVUsed: runs.reduce(0) { $0 + $1.peakKVUsed },
            kvCapacity: runs.reduce(0) { $0 + $1.kvCapacity }, preemptions: runs.reduce(0) { $0 + $1.preemptions },
            planViolations: runs.reduce(0) { $0 + $1.planViolations }, stalled: runs.reduce(0) { $0 + $1.stalled })
    }
}
