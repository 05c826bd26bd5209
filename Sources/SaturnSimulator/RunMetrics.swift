import SaturnNumerics

/// The figures of one run against a step-latency SLA and a TTFT target.
///
/// Definitions (times in ms unless named otherwise; `duration` = last completion - first arrival, in seconds):
/// - a request is **good** when it was served, its time to first token (first token - arrival) is <= `ttftMs`,
///   and every gap between its consecutive tokens is <= `slaMs`;
/// - ``goodputTokensPerSecond``: output tokens of good requests / duration;
/// - ``throughputTokensPerSecond``: output tokens of all served requests / duration;
/// - ``offeredTokensPerSecond``: output tokens of the trace / its arrival span (the load offered);
/// - ``sloMissFraction``: steps whose latency exceeds `slaMs` / steps;
/// - TTFT percentiles over served requests; TPOT per served request with two or more tokens:
///   (last token - first token) / (tokens - 1); percentiles by linear interpolation (``Descriptive/quantile(_:_:)``);
/// - ``meanQueueLength``: the time average of the waiting queue's length over the run.
public struct RunMetrics: Sendable, Equatable, Codable {
    public var name: String
    public var goodputTokensPerSecond: Double
    public var throughputTokensPerSecond: Double
    public var offeredTokensPerSecond: Double
    public var sloMissFraction: Double
    public var ttftP50Ms: Double
    public var ttftP99Ms: Double
    public var tpotP50Ms: Double
    public var tpotP99Ms: Double
    public var meanQueueLength: Double
    /// Requests that met both targets, were served, and dropped.
    public var goodRequests: Int
    public var servedRequests: Int
    public var droppedRequests: Int
    public var steps: Int
    public var preemptions: Int
    /// Seconds from the first arrival to the last completion.
    public var durationSeconds: Double

    /// Computes the figures of `run`.
    /// - Parameters:
    ///   - slaMs: the step-latency SLA (token gaps and steps are held to it).
    ///   - ttftMs: the time-to-first-token target.
    ///   - offeredSpanSeconds: the trace's arrival span (for the offered load); defaults to the span of the run's
    ///     arrivals.
    public init(_ run: SimulationRun, slaMs: Double, ttftMs: Double, offeredSpanSeconds: Double? = nil) {
        name = run.policy
        var good = 0
        var served = 0
        var dropped = 0
        var goodTokens = 0
        var servedTokens = 0
        var allTokens = 0
        var ttft: [Double] = []
        var tpot: [Double] = []
        var lastArrival = 0.0
        for r in run.requests {
            allTokens += r.outputTokens
            lastArrival = max(lastArrival, r.arrival)
            if r.dropped || r.firstTokenTime < 0 {
                dropped += 1
                continue
            }
            served += 1
            servedTokens += r.outputTokens
            let t = (r.firstTokenTime - r.arrival) * 1000
            ttft.append(t)
            if r.outputTokens >= 2 {
                tpot.append((r.lastTokenTime - r.firstTokenTime) * 1000 / Double(r.outputTokens - 1))
            }
            if t <= ttftMs && r.maximumGap * 1000 <= slaMs {
                good += 1
                goodTokens += r.outputTokens
            }
        }
        let duration = max(run.end - run.start, 1e-9)
        goodRequests = good
        servedRequests = served
        droppedRequests = dropped
        goodputTokensPerSecond = Double(goodTokens) / duration
        throughputTokensPerSecond = Double(servedTokens) / duration
        let span = offeredSpanSeconds ?? lastArrival
        offeredTokensPerSecond = span > 0 ? Double(allTokens) / span : .infinity
        steps = run.stepLatenciesMs.count
        sloMissFraction = steps > 0 ? Double(run.stepLatenciesMs.reduce(0) { $0 + ($1 > slaMs ? 1 : 0) }) / Double(steps) : 0
        ttftP50Ms = ttft.isEmpty ? .nan : Descriptive.quantile(ttft, 0.5)
        ttftP99Ms = ttft.isEmpty ? .nan : Descriptive.quantile(ttft, 0.99)
        tpotP50Ms = tpot.isEmpty ? .nan : Descriptive.quantile(tpot, 0.5)
        tpotP99Ms = tpot.isEmpty ? .nan : Descriptive.quantile(tpot, 0.99)
        meanQueueLength = run.queueIntegral / duration
        preemptions = run.preemptions
        durationSeconds = duration
    }
}
