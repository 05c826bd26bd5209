/// A request trace: arrival times with prompt and output lengths, sorted by arrival.
///
/// Read from a CSV with the header `arrival_s,input_tokens,output_tokens` (the shape of
/// `data/trace_azure_*_2023.csv`), and time-scaled by a load factor: at load `L` request `i` arrives at
/// `arrival_s[i] / L` (the arrival rate is multiplied by `L`; the prompt and output lengths are unchanged).
public struct RequestTrace: Sendable, Equatable {
    /// One request of the trace.
    public struct Request: Sendable, Equatable {
        /// Arrival time in seconds from the first request of the trace.
        public var arrival: Double
        /// Prompt length in tokens (>= 1).
        public var inputTokens: Int
        /// Tokens to generate (>= 1; the first comes from the step that completes the prompt).
        public var outputTokens: Int

        public init(arrival: Double, inputTokens: Int, outputTokens: Int) {
            self.arrival = arrival
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
        }
    }

    /// The requests, sorted by arrival, the first at time 0 (except in the shards of ``roundRobin(workers:)``,
    /// which keep the whole trace's clock).
    public private(set) var requests: [Request]

    /// A trace from requests (sorted by arrival, shifted so that the first arrives at 0).
    /// - Throws: ``SimulationError`` (`invalidValue`) when empty or when a request has a non-finite or negative
    ///   arrival, a prompt or output below 1 token, or more than 1,000,000 tokens.
    public init(requests: [Request]) throws(SimulationError) {
        guard !requests.isEmpty else { throw SimulationError(.invalidValue, "the trace has no requests") }
        for (i, r) in requests.enumerated() {
            guard r.arrival.isFinite, r.arrival >= 0 else {
                throw SimulationError(.invalidValue, "request \(i): arrival \(r.arrival) is not a finite time >= 0")
            }
            guard (1...1_000_000).contains(r.inputTokens), (1...1_000_000).contains(r.outputTokens) else {
                throw SimulationError(
                    .invalidValue,
                    "request \(i): input \(r.inputTokens) and output \(r.outputTokens) tokens must be in 1...1000000")
            }
        }
        var sorted = requests
        sorted.sort { $0.arrival < $1.arrival }
        let first = sorted[0].arrival
        for i in sorted.indices { sorted[i].arrival -= first }
        self.requests = sorted
    }

    /// Reads `arrival_s,input_tokens,output_tokens` from the CSV file at `path` (other columns are ignored).
    /// - Parameter limit: keep only the first `limit` requests (by arrival), when given.
    /// - Throws: ``SimulationError`` on an unreadable file, a missing column, a malformed number or a bad value.
    public static func load(_ path: String, limit: Int? = nil) throws(SimulationError) -> RequestTrace {
        try parse(CSVRows.read(path), source: path, limit: limit)
    }

    /// Parses CSV text as ``load(_:limit:)`` reads a file; `source` names it in errors.
    public static func parse(text: String, source: String, limit: Int? = nil) throws(SimulationError) -> RequestTrace {
        try parse(CSVRows(text: text, source: source), source: source, limit: limit)
    }

    private static func parse(_ csv: CSVRows, source path: String, limit: Int?) throws(SimulationError) -> RequestTrace {
        let a = try csv.requireColumn("arrival_s", source: path)
        let i = try csv.requireColumn("input_tokens", source: path)
        let o = try csv.requireColumn("output_tokens", source: path)
        var requests: [Request] = []
        requests.reserveCapacity(csv.rows.count)
        for row in csv.rows {
            let arrival = try CSVRows.number(row, a, "arrival_s", source: path)
            let input = try CSVRows.number(row, i, "input_tokens", source: path)
            let output = try CSVRows.number(row, o, "output_tokens", source: path)
            guard input == input.rounded(), output == output.rounded(), abs(input) < 1e7, abs(output) < 1e7 else {
                throw SimulationError(.invalidValue, "\(path): line \(row.line): token counts must be integers")
            }
            requests.append(Request(arrival: arrival, inputTokens: Int(input), outputTokens: Int(output)))
        }
        do throws(SimulationError) {
            var trace = try RequestTrace(requests: requests)
            if let limit {
                guard limit >= 1 else { throw SimulationError(.invalidConfiguration, "the request limit must be >= 1") }
                trace.requests = Array(trace.requests.prefix(limit))
            }
            return trace
        } catch {
            throw SimulationError(error.code, "\(path): \(error.message)")
        }
    }

    /// The same requests arriving `load` times as fast (arrival times divided by `load`).
    /// - Throws: ``SimulationError`` (`invalidConfiguration`) unless `load` is finite and > 0.
    public func scaled(byLoad load: Double) throws(SimulationError) -> RequestTrace {
        guard load.isFinite, load > 0 else {
            throw SimulationError(.invalidConfiguration, "the load factor must be a finite number > 0, got \(load)")
        }
        var copy = self
        for i in copy.requests.indices { copy.requests[i].arrival /= load }
        return copy
    }

    /// The requests a round-robin router sends to each of `workers` replicas: request `i` (by arrival) goes to
    /// replica `i % workers`. Arrival times are kept (not shifted to 0), so the replicas run side by side on one
    /// clock.
    /// - Throws: ``SimulationError`` (`invalidConfiguration`) unless `workers` is in `1...count`.
    public func roundRobin(workers: Int) throws(SimulationError) -> [RequestTrace] {
        guard workers >= 1, workers <= requests.count else {
            throw SimulationError(
                .invalidConfiguration, "cannot share \(requests.count) requests among \(workers) replicas")
        }
        var shards = [RequestTrace](repeating: self, count: workers)
        for w in 0..<workers {
            shards[w].requests = stride(from: w, to: requests.count, by: workers).map { requests[$0] }
        }
        return shards
    }

    /// Seconds from the first to the last arrival (0 for one request).
    public var span: Double { requests[requests.count - 1].arrival - requests[0].arrival }

    /// Mean arrival rate in requests per second over the span (nil for a span of 0).
    public var requestRate: Double? { span > 0 ? Double(requests.count - 1) / span : nil }

    /// Total output tokens of the trace.
    public var outputTokens: Int { requests.reduce(0) { $0 + $1.outputTokens } }

    /// Total prompt tokens of the trace.
    public var inputTokens: Int { requests.reduce(0) { $0 + $1.inputTokens } }
}
