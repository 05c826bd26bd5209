import SaturnSimulator
import Testing

struct RunMetricsTests {
    /// Three requests worked by hand: one good, one late first token, one with a long gap; one dropped.
    @Test func handMadeRun() {
        func request(_ arrival: Double, _ output: Int, first: Double, last: Double, gap: Double, done: Double)
            -> EngineState.Request
        {
            var r = EngineState.Request(arrival: arrival, inputTokens: 10, outputTokens: output, promptTokens: 10)
            r.prefilled = 10
            r.generated = output
            r.firstTokenTime = first
            r.lastTokenTime = last
            r.maximumGap = gap
            r.completion = done
            return r
        }
        var dropped = EngineState.Request(arrival: 3, inputTokens: 10, outputTokens: 7, promptTokens: 10)
        dropped.dropped = true
        dropped.completion = 3
        let requests = [
            request(0, 11, first: 0.5, last: 1.5, gap: 0.1, done: 1.5),  // TTFT 500 ms, TPOT 100 ms: good
            request(1, 5, first: 4.0, last: 4.2, gap: 0.05, done: 4.2),  // TTFT 3000 ms: late
            request(2, 3, first: 2.1, last: 3.0, gap: 0.8, done: 3.0),  // TTFT 100 ms, gap 800 ms: misses the SLA
            dropped,
        ]
        let run = SimulationRun(
            policy: "p", requests: requests, stepLatenciesMs: [50, 150, 90, 100, 120], totalTokensComputed: 0,
            start: 0, end: 5, queueIntegral: 2.5, peakKVUsed: 0, kvCapacity: 1, preemptions: 0, planViolations: 0,
            stalled: 0)
        let m = RunMetrics(run, slaMs: 100, ttftMs: 2000)
        #expect(m.goodRequests == 1 && m.servedRequests == 3 && m.droppedRequests == 1)
        #expect(m.goodputTokensPerSecond == 11.0 / 5)
        #expect(m.throughputTokensPerSecond == 19.0 / 5)
        #expect(m.offeredTokensPerSecond == 26.0 / 3)  // all output tokens over the arrival span 0...3 s
        #expect(m.sloMissFraction == 2.0 / 5)  // 150 and 120 exceed 100; 100 does not
        // TTFT 500, 3000, 100 ms: median 500, p99 = 500 + 0.98 * 2500.
        #expect(abs(m.ttftP50Ms - 500) < 1e-9 && abs(m.ttftP99Ms - (500 + 0.98 * 2500)) < 1e-9)
        // TPOT: (1.5 - 0.5) / 10 = 100 ms, 0.2 / 4 = 50 ms, 0.9 / 2 = 450 ms.
        #expect(abs(m.tpotP50Ms - 100) < 1e-9)
        #expect(abs(m.meanQueueLength - 0.5) < 1e-12)
        #expect(m.steps == 5 && m.durationSeconds == 5)
    }
}
