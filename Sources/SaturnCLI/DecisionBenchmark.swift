import Foundation
import SaturnModel
import SaturnWire

/// The decision part of `saturn bench-bus` (`--measure decisions`): bus round trips of an admission query with 64
/// waiting requests and of an allocation query with 8 tenants × 64 requests, each against a predict query of the
/// same key in the same run. One C REQ client (``RawRequester``) per run; predict, admission and allocation runs
/// alternate `repeats` times; the ratios are taken per repetition (consecutive runs) and summarised by their
/// median and range. Targets (issue 8): admission / predict < 2, allocation / predict < 3.
struct DecisionBenchmark {
    /// The three request payloads and what the agent answered to them.
    struct Payloads {
        var predict: [UInt8]
        var admission: [UInt8]
        var allocation: [UInt8]
        var admitted: Int
        var allocated: Int
        var slaMs: Double
    }

    /// Requests shaped like a router's: 32 decoding requests running, 64 waiting prompts of 16..2,000 tokens in
    /// three priority classes, an SLA with room for about 16,000 more tokens (a third of the waiting prompts); 8
    /// tenants with quotas 4..11 and weights 1..3.
    static func payloads(key: ModelKey, parameters p: LatencyParameters) -> Payloads {
        let running = [Double](repeating: 1, count: 32)
        var rng = SplitMixLike(seed: 64)
        let waiting = (0..<64).map { i in
            AdmissionCandidate(id: UInt64(i + 1), priority: Double(i % 3), tokens: Double(16 + rng.next() % 1985))
        }
        let sla = p.latency(batchSize: 64, tokens: 32 + 16_000)
        let admission = AdmissionQuery(key: key, slaMs: sla, running: running, waiting: waiting)
        let tenants = (0..<8).map { t in
            AllocationTenant(
                name: "tenant-\(t)", quota: 4 + t, weight: Double(1 + t % 3),
                waiting: (0..<64).map { i in
                    AdmissionCandidate(
                        id: UInt64(1000 * (t + 1) + i), priority: Double(i % 2), tokens: Double(16 + rng.next() % 1985))
                })
        }
        let allocation = AllocationQuery(key: key, slaMs: sla, running: running, tenants: tenants)
        return Payloads(
            predict: Saturn_V1_Request.predict(key, batchSize: 32, tokens: 512, requestID: 1).wireBytes(),
            admission: Saturn_V1_Request.admission(admission, requestID: 1).wireBytes(),
            allocation: Saturn_V1_Request.allocation(allocation, requestID: 1).wireBytes(),
            admitted: admission.answer(parameters: p, p95RelativeError: 0).admitted.count,
            allocated: allocation.answer(parameters: p, p95RelativeError: 0).admitted.count, slaMs: sla)
    }

    /// The in-process work behind each reply, without sockets: decode the request, validate it, decide, encode a
    /// reply (medians of 2,000 repetitions after 200 warm-up). The bus round trip adds the same socket work to each.
    static func printComputeCost(payloads: Payloads, parameters p: LatencyParameters) {
        let clock = ContinuousClock()
        func time(_ body: () throws -> Int) rethrows -> Double {
            var samples: [Double] = []
            var sink = 0
            for i in 0..<2200 {
                let t0 = clock.now
                sink &+= try body()
                if i >= 200 { samples.append((clock.now - t0).inSeconds * 1e6) }
            }
            precondition(sink != Int.min)
            return median(samples)
        }
        do {
            let predict = try time {
                guard let r = Saturn_V1_Request(wireBytes: payloads.predict) else { throw CLIError("undecodable predict request") }
                var reply = Saturn_V1_PredictReply()
                reply.latencyMs = p.latency(batchSize: r.predict.batchSize, tokens: r.predict.tokens)
                reply.parameters = p.proto
                return reply.wireBytes().count
            }
            /// Cumulative stages: decode; + validate; + decide; + encode the reply.
            func stages<Query>(
                _ bytes: [UInt8], validate: (Saturn_V1_Request) throws -> Query, decide: (Query) -> Int,
                encode: (Query) -> Int
            ) throws -> [Double] {
                [
                    time { Saturn_V1_Request(wireBytes: bytes) == nil ? 0 : 1 },
                    try time { guard let r = Saturn_V1_Request(wireBytes: bytes) else { return 0 }; _ = try validate(r); return 1 },
                    try time { guard let r = Saturn_V1_Request(wireBytes: bytes) else { return 0 }; return decide(try validate(r)) },
                    try time { guard let r = Saturn_V1_Request(wireBytes: bytes) else { return 0 }; return encode(try validate(r)) },
                ]
            }
            let admissionStages = try stages(
                payloads.admission, validate: { try AdmissionQuery(validating: $0.admission) },
                decide: { $0.answer(parameters: p, p95RelativeError: 0).admitted.count },
                encode: { q in
                    var reply = Saturn_V1_AdmissionReply()
                    q.answer(parameters: p, p95RelativeError: 0).write(to: &reply)
                    reply.basis.parameters = p.proto
                    return reply.wireBytes().count
                })
            let allocationStages = try stages(
                payloads.allocation, validate: { try AllocationQuery(validating: $0.allocation) },
                decide: { $0.answer(parameters: p, p95RelativeError: 0).admitted.count },
                encode: { q in
                    var reply = Saturn_V1_AllocationReply()
                    q.answer(parameters: p, p95RelativeError: 0).write(to: &reply, tenants: q.tenants)
                    reply.basis.parameters = p.proto
                    return reply.wireBytes().count
                })
            func cumulative(_ xs: [Double]) -> String {
                String(format: "decode %.1f, +validate %.1f, +decide %.1f, +encode %.1f us", xs[0], xs[1], xs[2], xs[3])
            }
            print(String(format: "  in-process, no sockets (medians of 2,000): predict %.1f us (decode, predict, encode)", predict))
            print("    admission:  " + cumulative(admissionStages))
            print("    allocation: " + cumulative(allocationStages))
        } catch {
            print("  in-process cost not measured: \(error)")
        }
    }

    /// A tiny deterministic generator (the CLI does not need SaturnNumerics' for this).
    struct SplitMixLike {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Runs the measurement against `endpoint` and prints it.
    static func measure(endpoint: String, key: ModelKey, parameters: LatencyParameters, repeats: Int, roundTrips: Int)
        throws
    {
        let payloads = payloads(key: key, parameters: parameters)
        // Check the agent answers each request (not an error) before timing.
        for (name, bytes) in [("predict", payloads.predict), ("admission", payloads.admission), ("allocation", payloads.allocation)] {
            let reply = try RawRequester.run(endpoint: endpoint, request: bytes, warmUp: 0, count: 1).reply
            guard let r = Saturn_V1_Reply(wireBytes: reply), r.body != nil else {
                throw CLIError("no \(name) reply to decode")
            }
            if case .error(let e)? = r.body { throw CLIError("the agent refused the \(name) benchmark request: \(e.message)") }
        }
        printComputeCost(payloads: payloads, parameters: parameters)
        var predict: [RawRequester.Run] = []
        var admission: [RawRequester.Run] = []
        var allocation: [RawRequester.Run] = []
        for _ in 0..<repeats {
            predict.append(try RawRequester.run(endpoint: endpoint, request: payloads.predict, warmUp: 500, count: roundTrips))
            admission.append(try RawRequester.run(endpoint: endpoint, request: payloads.admission, warmUp: 500, count: roundTrips))
            allocation.append(try RawRequester.run(endpoint: endpoint, request: payloads.allocation, warmUp: 500, count: roundTrips))
        }
        print("decisions: one C REQ client; predict (\(payloads.predict.count) bytes), admission with 32 running and 64 "
            + "waiting (\(payloads.admission.count) bytes, \(payloads.admitted) admitted at SLA "
            + String(format: "%.1f", payloads.slaMs) + " ms), allocation with 8 tenants x 64 requests "
            + "(\(payloads.allocation.count) bytes, \(payloads.allocated) admitted); \(roundTrips) timed trips per run "
            + "after 500 warm-up; runs alternate, \(repeats) repetitions")
        func list(_ xs: [Double]) -> String { xs.map { String(format: "%.1f", $0) }.joined(separator: ", ") }
        for (name, runs) in [("predict   ", predict), ("admission ", admission), ("allocation", allocation)] {
            print("  \(name) " + String(format: "p50 %6.1f us  p99 %6.1f us", median(runs.map(\.median)), median(runs.map(\.p99)))
                + "  (p50 runs \(list(runs.map(\.median))); p99 runs \(list(runs.map(\.p99))))")
        }
        func ratios(_ runs: [RawRequester.Run], _ f: (RawRequester.Run) -> Double) -> [Double] {
            zip(runs, predict).map { f($0) / f($1) }
        }
        func summary(_ xs: [Double]) -> String {
            String(format: "median %.2f (range %.2f-%.2f)", median(xs), xs.min() ?? .nan, xs.max() ?? .nan)
        }
        print("  ratio admission/predict  p50 \(summary(ratios(admission, \.median))), p99 \(summary(ratios(admission, \.p99))) (target < 2)")
        print("  ratio allocation/predict p50 \(summary(ratios(allocation, \.median))), p99 \(summary(ratios(allocation, \.p99))) (target < 3)")
    }
}
